"""Dublin Core XML (the `oai_dc` record of OAI-PMH), written only.

`to_oai_dc(record)` builds one `<oai_dc:dc>` element, for the OAI-PMH provider
to reuse; `write(records)` wraps them in a `<collection>` document.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (writing only)

from .base import RECORD_TYPES

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

# DCMI Type vocabulary for each record type.
DCMI_TYPE = {
    "video": "MovingImage",
    "podcast": "Sound",
    "infographie": "StillImage",
    "site_web": "InteractiveResource",
}


def elements(p):
    """The (element name, text) pairs of a record's `oai_dc`, in order, empty values left out."""
    pairs = [("title", f"{p.title} : {p.subtitle}" if p.subtitle else p.title)]
    pairs += [("creator" if a.role == "auteur" else "contributor", a.display) for a in p.authors]
    pairs += [("subject", subject) for subject in [*p.subjects, *p.keywords]]
    pairs += [("coverage", place) for place in p.places]
    pairs += [
        ("description", p.abstract),
        ("publisher", p.publisher),
        ("date", str(p.year) if p.year else p.date_text),
        ("type", DCMI_TYPE.get(p.record_type, "Text")),
        ("type", RECORD_TYPES.get(p.record_type, "")),
        ("format", p.extent),
    ]
    if p.isbn:
        pairs.append(("identifier", f"urn:isbn:{p.isbn}"))
    if p.issn:
        pairs.append(("identifier", f"urn:issn:{p.issn}"))
    pairs += [("identifier", link.url) for link in p.links]
    pairs += [("source", p.host_title), ("language", p.language), ("relation", p.series)]
    return [(name, value) for name, value in pairs if value]


def to_oai_dc(p):
    ET.register_namespace("oai_dc", OAI_DC)
    ET.register_namespace("dc", DC)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{OAI_DC}}}dc", {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    for name, value in elements(p):
        ET.SubElement(root, f"{{{DC}}}{name}").text = value
    return root


def write(records):
    collection = ET.Element("collection")
    for p in records:
        collection.append(to_oai_dc(p))
    return ET.tostring(collection, encoding="utf-8", xml_declaration=True)
