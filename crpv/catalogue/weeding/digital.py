"""Digital weeding: a read-only inventory of the configured server folder.

It reports duplicates (same SHA-256), very old files, files that no catalogue
record holds, large files, and proposes an elimination list (*bordereau
d'élimination*) to submit to the archives service: a public body's files may
be public archives, whose destruction needs the archives service's approval.
This module opens files for reading only; it never deletes, moves or
rewrites anything. Symbolic links are not followed (a link could lead out of
the folder), and are listed as skipped.
"""

import datetime
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crpv.core.models import AuditEntry

from ..models import Attachment, DigitalFileFinding, DigitalScan

CHUNK = 1024 * 1024
Kind = DigitalFileFinding.Kind


def configured_root():
    """`CRPV_DIGITAL_WEEDING_ROOT`, by default the platform's own media folder."""
    return Path(getattr(settings, "CRPV_DIGITAL_WEEDING_ROOT", "") or settings.MEDIA_ROOT)


@dataclass
class FileInfo:
    path: str  # relative to the root, with "/"
    size: int
    modified_at: datetime.datetime
    sha256: str
    kinds: list = field(default_factory=list)
    proposed: bool = False


@dataclass
class ScanResult:
    root: str
    older_than_years: int
    larger_than_mb: int
    files: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # [relative path, French reason]

    @property
    def findings(self):
        return [f for f in self.files if f.kinds]

    @property
    def proposed(self):
        return [f for f in self.files if f.proposed]

    @property
    def total_size(self):
        return sum(f.size for f in self.files)

    @property
    def summary(self):
        counts = {k: sum(1 for f in self.files if k in f.kinds) for k in Kind.values}
        return (
            f"{len(self.files)} fichier(s) lu(s) ({self.total_size / 1e6:.1f} Mo) : "
            f"{counts['doublon']} en double, {counts['ancien']} très ancien(s), {counts['orphelin']} lié(s) à "
            f"aucune notice, {counts['volumineux']} volumineux ; {len(self.proposed)} proposé(s) à l'élimination ; "
            f"{len(self.skipped)} élément(s) ignoré(s)"
        )


def _sha256(path):
    digest = hashlib.sha256()
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan_folder(root=None, *, older_than_years=10, larger_than_mb=100, now=None):
    """Inventory `root` (read only) and classify its files."""
    root = Path(root or configured_root())
    if not root.is_dir():
        raise ValueError(f"dossier introuvable : {root}")
    now = now or timezone.now()
    result = ScanResult(root=str(root), older_than_years=older_than_years, larger_than_mb=larger_than_mb)
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        for name in sorted(dirnames):
            if (base / name).is_symlink():
                result.skipped.append([_relative(root, base / name), "lien symbolique vers un dossier : non suivi"])
        dirnames.sort()
        for name in sorted(filenames):
            path = base / name
            relative = _relative(root, path)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                result.skipped.append([relative, "lien symbolique : non suivi"])
                continue
            if not stat.S_ISREG(info.st_mode):
                result.skipped.append([relative, "pas un fichier ordinaire"])
                continue
            try:
                digest = _sha256(path)
            except OSError as exc:
                result.skipped.append([relative, f"illisible ({exc.strerror or exc})"])
                continue
            modified = datetime.datetime.fromtimestamp(info.st_mtime, tz=datetime.UTC)
            result.files.append(FileInfo(relative, info.st_size, modified, digest))
    classify(result, now=now)
    return result


def _relative(root, path):
    return path.relative_to(root).as_posix()


def classify(result, *, now):
    held_hashes = set(Attachment.objects.exclude(sha256="").values_list("sha256", flat=True))
    held_names = set(Attachment.objects.values_list("file", flat=True))
    limit = now - datetime.timedelta(days=365.25 * result.older_than_years)
    groups = {}
    for f in result.files:
        groups.setdefault(f.sha256, []).append(f)
    for f in result.files:
        if len(groups[f.sha256]) > 1:
            f.kinds.append(Kind.DUPLICATE)
        if f.modified_at < limit:
            f.kinds.append(Kind.OLD)
        if f.sha256 not in held_hashes and f.path not in held_names:
            f.kinds.append(Kind.ORPHAN)
        if f.size >= result.larger_than_mb * 1024 * 1024:
            f.kinds.append(Kind.LARGE)
    # Proposed: the extra copies of a duplicate (the oldest copy is kept), and old files no record holds.
    for members in groups.values():
        if len(members) > 1:
            for extra in sorted(members, key=lambda f: (f.modified_at, f.path))[1:]:
                extra.proposed = True
    for f in result.files:
        if Kind.OLD in f.kinds and Kind.ORPHAN in f.kinds:
            f.proposed = True
    return result


@transaction.atomic
def save_scan(result, *, acting_user):
    scan = DigitalScan.objects.create(
        root=result.root[:500],
        file_count=len(result.files),
        total_size=result.total_size,
        skipped=result.skipped[:1000],
        older_than_years=result.older_than_years,
        larger_than_mb=result.larger_than_mb,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    DigitalFileFinding.objects.bulk_create(
        DigitalFileFinding(
            scan=scan,
            path=f.path[:1000],
            size=f.size,
            modified_at=f.modified_at,
            sha256=f.sha256,
            kinds=list(f.kinds),
            proposed_for_elimination=f.proposed,
        )
        for f in result.findings
    )
    AuditEntry.record(acting_user, "catalogue.weeding.digital_scan", scan, summary=result.summary)
    return scan
