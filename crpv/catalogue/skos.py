"""SKOS thesauri in Turtle and RDF/XML, read and written with rdflib (no Django here).

rdflib parses RDF/XML with the standard library's SAX parser (expat): it does
not fetch external entities by default, but it still expands entities declared
in an internal DTD. So RDF/XML is first checked by defusedxml with DTDs
forbidden: a document that declares a DOCTYPE or an ENTITY is refused before
rdflib sees it. Data is always given to rdflib as bytes (`data=`), never as a
location, so nothing is fetched.
"""

from dataclasses import dataclass, field

from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL

from .formats.marcxml import safe_fromstring

FORMATS = {"turtle": "turtle", "ttl": "turtle", "xml": "xml", "rdf": "xml", "rdfxml": "xml"}
LANG = "fr"


@dataclass
class ParsedConcept:
    uri: str
    pref_label: str
    alt_labels: list = field(default_factory=list)
    scope_note: str = ""
    definition: str = ""
    notation: str = ""
    broader: list = field(default_factory=list)
    related: list = field(default_factory=list)
    deprecated: bool = False
    replaced_by: str = ""


@dataclass
class ParsedThesaurus:
    scheme_uri: str = ""
    title: str = ""
    description: str = ""
    concepts: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # French messages


def format_of(path_or_name):
    name = str(path_or_name).lower()
    return "xml" if name.endswith((".rdf", ".xml", ".owl")) else "turtle"


def _text(graph, subject, predicate):
    """The French literal if there is one, else a literal without language, else any."""
    values = list(graph.objects(subject, predicate))
    for wanted in (LANG, None):
        for value in values:
            if isinstance(value, Literal) and (
                value.language == wanted or (wanted == LANG and (value.language or "").startswith("fr-"))
            ):
                return str(value).strip()
    return str(values[0]).strip() if values else ""


def _texts(graph, subject, predicate):
    values = [v for v in graph.objects(subject, predicate) if isinstance(v, Literal)]
    french = [v for v in values if (v.language or "").startswith(LANG)]
    chosen = french or [v for v in values if v.language is None] or values
    return sorted({str(v).strip() for v in chosen if str(v).strip()})


def parse(data, fmt="turtle"):
    """Bytes → ParsedThesaurus; errors are French strings, never exceptions."""
    result = ParsedThesaurus()
    syntax = FORMATS.get(fmt, fmt)
    graph = Graph()
    try:
        if syntax == "xml":
            safe_fromstring(data)
        graph.parse(data=data, format=syntax)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result
    except Exception as exc:
        first_line = str(exc).strip().split("\n")[0][:200]
        result.errors.append(f"fichier SKOS illisible ({exc.__class__.__name__} : {first_line})")
        return result
    schemes = sorted(graph.subjects(RDF.type, SKOS.ConceptScheme))
    if schemes:
        scheme = schemes[0]
        result.scheme_uri = str(scheme)
        result.title = _text(graph, scheme, DCTERMS.title) or _text(graph, scheme, SKOS.prefLabel) or str(scheme)
        result.description = _text(graph, scheme, DCTERMS.description)
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    for concept in sorted(concepts):
        if not isinstance(concept, URIRef):
            result.errors.append("concept sans URI (nœud anonyme) ignoré")
            continue
        if not result.scheme_uri:
            in_scheme = next(iter(graph.objects(concept, SKOS.inScheme)), None)
            if in_scheme is not None:
                result.scheme_uri = str(in_scheme)
                result.title = result.title or str(in_scheme)
        pref = _text(graph, concept, SKOS.prefLabel)
        if not pref:
            result.errors.append(f"concept {concept} sans skos:prefLabel ignoré")
            continue
        broader = {str(b) for b in graph.objects(concept, SKOS.broader)}
        broader |= {str(s) for s in graph.subjects(SKOS.narrower, concept)}
        related = {str(r) for r in graph.objects(concept, SKOS.related)}
        replaced = next(iter(graph.objects(concept, DCTERMS.isReplacedBy)), None)
        result.concepts.append(
            ParsedConcept(
                uri=str(concept),
                pref_label=pref,
                alt_labels=[a for a in _texts(graph, concept, SKOS.altLabel) if a != pref],
                scope_note=_text(graph, concept, SKOS.scopeNote),
                definition=_text(graph, concept, SKOS.definition),
                notation=_text(graph, concept, SKOS.notation),
                broader=sorted(broader),
                related=sorted(related),
                deprecated=str(next(iter(graph.objects(concept, OWL.deprecated)), "")).lower() == "true",
                replaced_by=str(replaced) if replaced is not None else "",
            )
        )
    if not result.concepts and not result.errors:
        result.errors.append("aucun skos:Concept dans le fichier")
    if not result.scheme_uri and result.concepts:
        result.scheme_uri = result.concepts[0].uri.rsplit("/", 1)[0] + "/"
        result.title = result.title or "thésaurus importé"
    return result


def build_graph(scheme_uri, title, description, concepts):
    """A SKOS graph from plain values. `concepts`: ParsedConcept-like objects."""
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("owl", OWL)
    scheme = URIRef(scheme_uri)
    if scheme_uri.endswith(("/", "#")):
        graph.bind("pv", Namespace(scheme_uri))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal(title, lang=LANG)))
    if description:
        graph.add((scheme, DCTERMS.description, Literal(description, lang=LANG)))
    uris = {c.uri for c in concepts}
    for c in concepts:
        node = URIRef(c.uri)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme))
        graph.add((node, SKOS.prefLabel, Literal(c.pref_label, lang=LANG)))
        for alt in c.alt_labels:
            graph.add((node, SKOS.altLabel, Literal(alt, lang=LANG)))
        if c.scope_note:
            graph.add((node, SKOS.scopeNote, Literal(c.scope_note, lang=LANG)))
        if c.definition:
            graph.add((node, SKOS.definition, Literal(c.definition, lang=LANG)))
        if c.notation:
            graph.add((node, SKOS.notation, Literal(c.notation)))
        if not c.broader:
            graph.add((node, SKOS.topConceptOf, scheme))
            graph.add((scheme, SKOS.hasTopConcept, node))
        for b in c.broader:
            graph.add((node, SKOS.broader, URIRef(b)))
            if b in uris:
                graph.add((URIRef(b), SKOS.narrower, node))
        for r in c.related:
            graph.add((node, SKOS.related, URIRef(r)))
        if c.deprecated:
            graph.add((node, OWL.deprecated, Literal(True)))
        if c.replaced_by:
            graph.add((node, DCTERMS.isReplacedBy, URIRef(c.replaced_by)))
    return graph


def write(scheme_uri, title, description, concepts, fmt="turtle"):
    graph = build_graph(scheme_uri, title, description, concepts)
    return graph.serialize(format=FORMATS.get(fmt, fmt), encoding="utf-8")
