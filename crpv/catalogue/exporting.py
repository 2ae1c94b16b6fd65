"""Catalogue records out: to the formats' plain records, then to bytes."""

from .formats import write
from .formats.base import ParsedAuthor, ParsedCopy, ParsedLink, ParsedRecord


def to_parsed(record):
    """A Record (with `for_export()` prefetches) → ParsedRecord for the writers."""
    return ParsedRecord(
        position=record.pk,
        source_id=record.source_identifier or str(record.pk),
        record_type=record.record_type,
        title=record.title,
        title_nonsort=record.title_nonsort,
        subtitle=record.subtitle,
        part=record.part,
        responsibility=record.responsibility,
        authors=[
            ParsedAuthor(
                name=a.agent.name,
                forename=a.agent.forename,
                is_organisation=a.agent.is_organisation,
                role=a.role,
                dates=a.agent.dates,
            )
            for a in record.authorships.all()
        ],
        edition=record.edition,
        publisher=record.publisher,
        place=record.place,
        year=record.publication_year,
        date_text=record.date_text,
        extent=record.extent,
        series=record.series,
        series_number=record.series_number,
        host_title=record.parent.title if record.parent_id else record.host_title,
        isbn=record.isbn,
        issn=record.issn,
        language=record.language,
        abstract=record.abstract,
        contents=record.contents,
        notes=record.notes,
        subjects=[c.pref_label for c in record.subjects.all()],
        keywords=list(record.keywords),
        places=places(
            [(t.name, t.pk) for t in record.departements.all()],
            [(t.name, t.pk) for t in record.epcis.all()],
            [(commune_place(t.name, t.departement.name), t.pk) for t in record.communes.all()],
        ),
        links=[ParsedLink(url=link.url, label=link.label) for link in record.links.all()],
        copies=[
            ParsedCopy(
                barcode=c.barcode,
                call_number=c.call_number,
                location=c.location,
                status=c.status,
                acquired_on=c.acquired_on.isoformat() if c.acquired_on else "",
                note=c.note,
            )
            for c in record.copies.all()
        ],
    )


def commune_place(name, departement):
    """A commune as a place: "Roubaix (Nord)", the form of RAMEAU's geographic headings. Two communes may share a
    name (Fontaine, Nord and Pas-de-Calais): the qualifier keeps the import (`operations._Gazetteer`) exact."""
    return f"{name} ({departement})"


def places(departements, epcis, communes):
    """The names of a record's territories, from (name, pk) pairs: départements, then EPCI, then communes.

    Sorted here rather than by the database, so that the OAI-PMH provider, which
    reads the same pairs a page at a time, gives the same order on both engines.
    """
    return [name for kind in (departements, epcis, communes) for name, _pk in sorted(kind)]


def export_records(records, fmt):
    """Records (a queryset or a list) → bytes in `fmt` (see `formats.EXPORT_FORMATS`)."""
    if hasattr(records, "for_export"):
        records = records.for_export()
    return write((to_parsed(r) for r in records), fmt)


def export_thesaurus(scheme, fmt="turtle"):
    from . import skos

    concepts = []
    for c in scheme.concepts.prefetch_related("broader", "related").select_related("replaced_by"):
        concepts.append(
            skos.ParsedConcept(
                uri=c.uri,
                pref_label=c.pref_label,
                alt_labels=list(c.alt_labels or []),
                scope_note=c.scope_note,
                definition=c.definition,
                notation=c.notation,
                broader=sorted(b.uri for b in c.broader.all()),
                related=sorted(r.uri for r in c.related.all()),
                deprecated=c.deprecated,
                replaced_by=c.replaced_by.uri if c.replaced_by_id else "",
            )
        )
    return skos.write(scheme.uri, scheme.title, scheme.description, concepts, fmt)
