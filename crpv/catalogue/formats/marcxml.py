"""MARCXML (MARC 21 or UNIMARC records in the MARC 21 slim schema).

Parsed with defusedxml and no DTD allowed: a document declaring a DOCTYPE or
entities (XXE, billion laughs) is refused before anything is read. Records
with or without the namespace are accepted. The flavour is given, or guessed
per record: a 200 field without 245 is UNIMARC.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (writing only; parsing goes through defusedxml)

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError as XMLParseError
from defusedxml.ElementTree import fromstring

from . import marc21, unimarc
from .base import ParseResult, finish
from .marc import Field, MarcRecord

FORMAT = "marcxml"
NS = "http://www.loc.gov/MARC21/slim"


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def safe_fromstring(data):
    """Parse XML bytes; raise ValueError (French) on bad or dangerous XML."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise ValueError(
            "le document XML déclare une DTD ou des entités : refusé (risque d'entités externes)"
        ) from None
    except XMLParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ValueError(f"XML mal formé (ligne {line}, colonne {column})") from None
    except LookupError:  # an unknown encoding in the XML declaration (encoding="u-f-8")
        raise ValueError("XML illisible : codage de caractères inconnu dans la déclaration XML") from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"XML illisible ({exc.__class__.__name__})") from None


def _record_from_element(position, element):
    leader = "00000nam a2200000 i 4500"
    fields = []
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").ljust(24)[:24]
            leader = text
        elif name == "controlfield":
            fields.append(Field(tag=(child.get("tag") or "").strip(), data=child.text or ""))
        elif name == "datafield":
            tag = (child.get("tag") or "").strip()
            subfields = [((sf.get("code") or " ")[:1], sf.text or "") for sf in child if _local(sf.tag) == "subfield"]
            fields.append(
                Field(
                    tag=tag,
                    ind1=(child.get("ind1") or " ")[:1] or " ",
                    ind2=(child.get("ind2") or " ")[:1] or " ",
                    subfields=subfields,
                )
            )
    for f in fields:
        if len(f.tag) != 3 or not f.tag.isalnum():
            raise ValueError(f"étiquette de champ invalide « {f.tag} »")
    return MarcRecord(position=position, leader=leader, fields=fields)


def guess_flavour(record):
    tags = {f.tag for f in record.fields}
    return "unimarc" if "200" in tags and "245" not in tags else "marc21"


def parse(data, flavour="auto"):
    result = ParseResult(format=FORMAT, encoding="utf-8")
    if not data or not data.strip():
        result.error(0, "fichier vide")
        return result
    try:
        root = safe_fromstring(data)
    except ValueError as exc:
        result.error(0, str(exc))
        return result
    if _local(root.tag) == "record":
        elements = [root]
    elif _local(root.tag) == "collection":
        elements = [e for e in root if _local(e.tag) == "record"]
    else:
        result.error(0, f"élément racine inattendu « {_local(root.tag)} » (attendu : collection ou record)")
        return result
    for position, element in enumerate(elements, start=1):
        result.count = position
        try:
            record = _record_from_element(position, element)
            kind = guess_flavour(record) if flavour == "auto" else flavour
            parsed = (unimarc if kind == "unimarc" else marc21).to_parsed(record)
        except ValueError as exc:
            result.error(position, str(exc))
            continue
        except Exception as exc:
            result.error(position, f"notice illisible ({exc.__class__.__name__})")
            continue
        finish(parsed, result)
    if result.count == 0:
        result.error(0, "aucune notice MARCXML trouvée")
    return result


def write(records, flavour="unimarc"):
    module = unimarc if flavour == "unimarc" else marc21
    ET.register_namespace("", NS)
    collection = ET.Element(f"{{{NS}}}collection")
    for p in records:
        element = ET.SubElement(collection, f"{{{NS}}}record")
        leader = module.leader_for(p)
        ET.SubElement(element, f"{{{NS}}}leader").text = leader
        for item in module.to_fields(p):
            if len(item) == 2:
                ET.SubElement(element, f"{{{NS}}}controlfield", tag=item[0]).text = item[1]
            else:
                tag, ind1, ind2, subfields = item
                datafield = ET.SubElement(element, f"{{{NS}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
                for code, value in subfields:
                    ET.SubElement(datafield, f"{{{NS}}}subfield", code=code).text = value
    return ET.tostring(collection, encoding="utf-8", xml_declaration=True)
