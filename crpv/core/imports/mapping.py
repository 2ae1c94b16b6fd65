"""Match a file's header row to the fields an import expects."""

from dataclasses import dataclass

from crpv.core.text import fold

from .report import ImportRefused


@dataclass(frozen=True)
class Column:
    """A field the caller expects, with the French header names it accepts."""

    key: str
    label: str
    aliases: tuple = ()
    required: bool = False

    def folded_names(self):
        return {fold(self.label), *(fold(a) for a in self.aliases)}


def map_headers(headers, columns, mapping=None):
    """Return ({key: column index}, {key: header as written}, [ignored headers]).

    Headers are compared after `fold()` (case, accents, punctuation), so
    « Prénom », « PRENOM » and « prénom » are the same. `mapping` maps a
    header of the file (any spelling) to a column key, for names no alias
    covers; it wins over the aliases. A column matched twice, or a required
    column missing, refuses the file.
    """
    by_name = {}
    for column in columns:
        for name in column.folded_names():
            by_name[name] = column.key
    explicit = {fold(header): key for header, key in (mapping or {}).items()}
    known_keys = {c.key for c in columns}
    unknown = sorted(set(explicit.values()) - known_keys)
    if unknown:
        raise ImportRefused(f"correspondance de colonnes inconnue : {', '.join(unknown)}.")
    index, header_by_key, ignored = {}, {}, []
    for position, header in enumerate(headers):
        folded = fold(header)
        key = explicit.get(folded) or by_name.get(folded)
        if key is None:
            if header:
                ignored.append(header)
            continue
        if key in index:
            label = next(c.label for c in columns if c.key == key)
            raise ImportRefused(
                f"les colonnes « {header_by_key[key]} » et « {header} » correspondent toutes deux à « {label} » : "
                "gardez-en une seule."
            )
        index[key] = position
        header_by_key[key] = header
    missing = [c for c in columns if c.required and c.key not in index]
    if missing:
        names = " ; ".join(
            f"« {c.label} »" + (f" (ou {', '.join(f'« {a} »' for a in c.aliases)})" if c.aliases else "")
            for c in missing
        )
        raise ImportRefused(f"colonne obligatoire absente : {names}.")
    return index, header_by_key, ignored
