"""Offline validation of OAI-PMH responses against the official schemas in this folder.

The schemas keep their official `schemaLocation` URLs; a resolver maps them to
the local copies, and the parser may not use the network.
"""

from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
LOCAL = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
}
# One schema for an OAI-PMH response whose records are in oai_dc.
WRAPPER = f"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:crpv:tests" elementFormDefault="qualified">
  <xs:import namespace="{OAI}" schemaLocation="http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"/>
  <xs:import namespace="{OAI_DC}" schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
</xs:schema>
"""


class LocalSchemas(etree.Resolver):
    def resolve(self, url, public_id, context):
        name = LOCAL.get(url) or (url.rsplit("/", 1)[-1] if (HERE / url.rsplit("/", 1)[-1]).is_file() else None)
        if name is None:
            raise AssertionError(f"schema not available offline: {url}")
        return self.resolve_filename(str(HERE / name), context)


@cache
def schema():
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(LocalSchemas())
    return etree.XMLSchema(etree.fromstring(WRAPPER.encode(), parser, base_url=str(HERE / "wrapper.xsd")))


def validate(content):
    """Parse and validate one response (bytes); records in another format than oai_dc are
    replaced by an empty oai_dc record, so that the envelope is still checked. Returns the root."""
    root = etree.fromstring(content, etree.XMLParser(no_network=True, resolve_entities=False))
    check = etree.fromstring(content, etree.XMLParser(no_network=True, resolve_entities=False))
    for metadata in check.iter(f"{{{OAI}}}metadata"):
        child = metadata[0]
        if etree.QName(child).namespace != OAI_DC:
            metadata.remove(child)
            etree.SubElement(metadata, f"{{{OAI_DC}}}dc")
    if not schema().validate(check):
        raise AssertionError(f"invalid OAI-PMH response: {schema().error_log}\n{content[:2000]!r}")
    return root
