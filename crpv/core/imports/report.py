"""What an import found: refusals, row errors, notices and counts."""

import csv
import io
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from .safety import neutralise


class ImportRefused(Exception):
    """The whole file is refused (size, encoding, format, missing columns).

    The message is French and meant for the person who sent the file.
    """


@dataclass(frozen=True)
class RowIssue:
    """One problem (or notice) on one line of the file."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self):
        where = f"ligne {self.line}"
        if self.column:
            where += f", colonne « {self.column} »"
        text = f"{where} : {self.reason}"
        if self.value:
            text += f" (« {self.value} »)"
        return text


class IssueList(Sequence):
    """A list of `RowIssue`s that costs about 32 bytes per issue.

    A large file can raise a notice on every row (a commune missing from the
    referential…): kept as `RowIssue` objects with their own strings, that is
    some 200 bytes per row, and memory would grow with the file. Here each
    issue is four integers; columns, values and reasons are stored once each.
    Reads build `RowIssue`s on the fly, so callers see an ordinary sequence.
    """

    def __init__(self, issues=()):
        self._columns = array("q")
        self._lines = array("q")
        self._values = array("q")
        self._reasons = array("q")
        self._texts = []
        self._index = {}
        for issue in issues:
            self.append(issue)

    def _ref(self, text):
        ref = self._index.get(text)
        if ref is None:
            ref = self._index[text] = len(self._texts)
            self._texts.append(text)
        return ref

    def append(self, issue):
        self._lines.append(issue.line)
        self._columns.append(self._ref(issue.column))
        self._values.append(self._ref(issue.value))
        self._reasons.append(self._ref(issue.reason))

    def __len__(self):
        return len(self._lines)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        texts = self._texts
        return RowIssue(
            self._lines[index], texts[self._columns[index]], texts[self._values[index]], texts[self._reasons[index]]
        )

    def __eq__(self, other):
        if isinstance(other, (IssueList, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self):
        return f"IssueList({list(self)!r})"


@dataclass
class ImportReport:
    """The outcome of reading (and possibly writing) one file.

    `errors` block the import in all-or-nothing mode; `notices` (suppression
    list hits, proposed merges, ignored columns…) never do.
    """

    filename: str = ""
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    headers: list = field(default_factory=list)
    ignored_headers: list = field(default_factory=list)
    rows_read: int = 0
    rows_valid: int = 0
    errors: list = field(default_factory=list)
    notices: IssueList = field(default_factory=IssueList)
    counts: dict = field(default_factory=dict)
    written: bool = False
    refusal: str = ""
    # Raw cells of every line with an error, for the error file.
    rejected_rows: dict = field(default_factory=dict)
    # With `run_import(preview=n)`: the first n rows, cleaned or with errors.
    preview: list | None = None

    @property
    def ok(self):
        return not self.refusal and not self.errors

    @property
    def error_lines(self):
        return sorted({e.line for e in self.errors})

    def add_error(self, line, column, value, reason):
        self.errors.append(RowIssue(line, column or "", "" if value is None else str(value), reason))

    def add_notice(self, line, column, value, reason):
        self.notices.append(RowIssue(line, column or "", "" if value is None else str(value), reason))

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def summary(self):
        """One French paragraph for a message or the command line."""
        if self.refusal:
            return f"Fichier refusé : {self.refusal}"
        parts = [f"{self.rows_read} ligne(s) lue(s)", f"{self.rows_valid} valide(s)"]
        if self.errors:
            parts.append(f"{len(self.errors)} erreur(s) sur {len(self.error_lines)} ligne(s)")
        for key, value in sorted(self.counts.items()):
            parts.append(f"{key} : {value}")
        return ", ".join(parts) + "."

    def write_error_file(self, target):
        """Write the rejected lines as a CSV the user can fix and send again.

        UTF-8 with BOM and `;` so that Excel in French opens it as is; every
        cell is neutralised against formula injection. `target` is a path or a
        text stream.
        """
        if isinstance(target, (str, bytes)) or hasattr(target, "__fspath__"):
            with open(target, "w", encoding="utf-8-sig", newline="") as stream:
                return self.write_error_file(stream)
        by_line = {}
        for error in self.errors:
            by_line.setdefault(error.line, []).append(error)
        writer = csv.writer(target, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(["ligne", *(neutralise(h) for h in self.headers), "erreurs"])
        for line in sorted(by_line):
            cells = list(self.rejected_rows.get(line, []))
            cells += [""] * (len(self.headers) - len(cells))
            reasons = " ; ".join(_reason_for_file(e) for e in by_line[line])
            writer.writerow([line, *(neutralise(c) for c in cells), neutralise(reasons)])
        return len(by_line)

    def error_file_bytes(self):
        buffer = io.StringIO()
        self.write_error_file(buffer)
        return buffer.getvalue().encode("utf-8-sig")


def _reason_for_file(error):
    if error.column:
        return f"{error.column} : {error.reason}"
    return error.reason
