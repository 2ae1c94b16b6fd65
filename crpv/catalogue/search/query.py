"""The query language of the catalogue search, parsed into a small tree. Plain Python, no Django.

What a visitor may type (French or English operators, any case):

- words: every word must be present (`politique ville`);
- `"mot exact"`: a phrase, words next to each other;
- `mot*`: a prefix;
- `ET` / `AND`, `OU` / `OR`, `SAUF` / `NOT`, `-mot`: boolean operators;
- parentheses to group (optional; unbalanced ones are forgiven).

`parse()` never raises: whatever it cannot read becomes plain words. The tree
is then `normalise()`d into stems (`text.tokens`), which each engine's
backend compiles (FTS5 MATCH expression, PostgreSQL tsquery).
"""

import re
from dataclasses import dataclass

from . import text

MAX_QUERY_LENGTH = 500
MAX_TERMS = 24
MAX_DEPTH = 8

AND_WORDS = frozenset({"ET", "AND", "&", "&&"})
OR_WORDS = frozenset({"OU", "OR", "|", "||"})
NOT_WORDS = frozenset({"SAUF", "NOT"})


# --- The tree -----------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    word: str  # as typed (before normalisation) or a stem (after)
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


# --- Lexer --------------------------------------------------------------------
_LEXEME = re.compile(r'"([^"]*)"?|(\()|(\))|(-(?=[("]))|([^\s()"]+)')


def _lex(query):
    for match in _LEXEME.finditer(query):
        phrase, opening, closing, minus, word = match.groups()
        if minus:
            yield ("not", minus)  # -( … ) or -"…"
        elif phrase is not None:
            yield ("phrase", phrase)
        elif opening:
            yield ("(", "(")
        elif closing:
            yield (")", ")")
        else:
            # Operators are written in capitals: "et", "ou" in lower case are plain (stop) words.
            if word in AND_WORDS:
                yield ("and", word)
            elif word in OR_WORDS:
                yield ("or", word)
            elif word in NOT_WORDS:
                yield ("not", word)
            elif word.startswith("-") and len(word) > 1:
                yield ("minus", word[1:])
            elif word.startswith("+") and len(word) > 1:
                yield ("word", word[1:])
            else:
                yield ("word", word)


# --- Parser (recursive descent, forgiving) --------------------------------------
class _Parser:
    def __init__(self, lexemes):
        self.lexemes = lexemes
        self.pos = 0
        self.terms = 0

    def peek(self):
        return self.lexemes[self.pos] if self.pos < len(self.lexemes) else (None, None)

    def take(self):
        lexeme = self.peek()
        self.pos += 1
        return lexeme

    def parse_or(self, depth):
        items = [self.parse_and(depth)]
        while self.peek()[0] == "or":
            self.take()
            items.append(self.parse_and(depth))
        items = [i for i in items if i is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self, depth):
        items = []
        while True:
            kind, _ = self.peek()
            if kind is None or kind in ("or", ")"):
                break
            if kind == "and":
                self.take()
                continue
            item = self.parse_unary(depth)
            if item is not None:
                items.append(item)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self, depth):
        kind, value = self.peek()
        if kind == "not":
            self.take()
            if self.peek()[0] in (None, "or", ")", "and"):
                return None
            item = self.parse_unary(depth)
            return Not(item) if item is not None else None
        if kind == "minus":
            self.take()
            item = self._atom_from_word(value)
            return Not(item) if item is not None else None
        return self.parse_atom(depth)

    def parse_atom(self, depth):
        kind, value = self.take()
        if kind == "(":
            if depth >= MAX_DEPTH:
                return None
            item = self.parse_or(depth + 1)
            if self.peek()[0] == ")":
                self.take()
            return item
        if kind == ")":
            return None  # a stray closing parenthesis
        if kind == "phrase":
            self.terms += 1
            if self.terms > MAX_TERMS:
                return None
            return Phrase(tuple(value.split())) if value.strip() else None
        if kind == "word":
            return self._atom_from_word(value)
        return None

    def _atom_from_word(self, value):
        if value.startswith('"'):
            value = value.strip('"')
        self.terms += 1
        if self.terms > MAX_TERMS or not value:
            return None
        prefix = value.endswith("*")
        value = value.rstrip("*")
        if not value.strip("*"):
            return None
        return Term(value, prefix=prefix)


def parse(query):
    """The user's text → a tree of Term / Phrase / And / Or / Not (as typed), or None. Never raises."""
    if not isinstance(query, str):
        return None
    query = query[:MAX_QUERY_LENGTH]
    parser = _Parser(list(_lex(query)))
    items = []
    while parser.pos < len(parser.lexemes):
        item = parser.parse_or(0)
        if item is not None:
            items.append(item)
        if parser.peek()[0] == ")":
            parser.take()  # unbalanced: forget it and read on
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


# --- Normalisation into stems ----------------------------------------------------
def _norm_term(node):
    words = text.words(node.word)
    if not words:
        return None
    if node.prefix and len(words) == 1:
        word = words[0]
        stemmed = text.stem(word)
        if stemmed != word and len(stemmed) >= 2:
            # "discriminations*" also finds what the index holds as "discrimin".
            return Or((Term(word, True), Term(stemmed, True)))
        return Term(word, True)
    stems = [text.stem(w) for w in words]
    if len(stems) == 1:
        return Term(stems[0])
    if node.prefix:
        return Phrase((*stems[:-1], words[-1] + "*"))
    return Phrase(tuple(stems))


def _norm(node):
    if isinstance(node, Term):
        return _norm_term(node)
    if isinstance(node, Phrase):
        stems = tuple(text.tokens(" ".join(node.words)))
        if not stems:
            return None
        return Term(stems[0]) if len(stems) == 1 else Phrase(stems)
    if isinstance(node, Not):
        item = _norm(node.item)
        if isinstance(item, Not):
            return item.item  # NOT NOT x
        if item is None or not has_positive(item):
            return None
        return Not(item)
    items = []
    for child in node.items:
        item = _norm(child)
        if item is None:
            continue
        if type(item) is type(node):
            items.extend(item.items)  # flatten AND(AND(…)) and OR(OR(…))
        elif item not in items:
            items.append(item)
    if isinstance(node, Or):
        # FTS5 has no "a OR NOT b": a negation inside OR is dropped, as is a branch without positive words.
        items = [i for i in items if has_positive(i)]
    if isinstance(node, And):
        # Bare stop words ("de", "la") are dropped when other words carry the query.
        content = [i for i in items if not (isinstance(i, Term) and not i.prefix and i.word in _STOP_STEMS)]
        if any(not isinstance(i, Not) for i in content):
            items = content
    if not items or (isinstance(node, And) and not any(has_positive(i) for i in items)):
        return None
    return items[0] if len(items) == 1 else type(node)(tuple(items))


_STOP_STEMS = frozenset(text.stem(w) for w in text.STOPWORDS)


def normalise(tree):
    """A parsed tree → the same tree over stems, or None when nothing is left to look for.

    A query with only negations ("-logement") finds nothing: no engine can
    rank "everything except", and a visitor who wants everything can browse.
    """
    if tree is None:
        return None
    tree = _norm(tree)
    if tree is None or not has_positive(tree):
        return None
    return tree


def has_positive(node):
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(has_positive(i) for i in node.items)
    if isinstance(node, Or):
        return all(has_positive(i) for i in node.items)
    return True


def compile_query(query):
    """The user's text → a normalised tree of stems, or None."""
    return normalise(parse(query))


def positive_terms(node):
    """(stems, prefixes) the query looks for, negations excluded: what highlighting marks."""
    stems, prefixes = set(), set()

    def walk(n):
        if isinstance(n, Term):
            (prefixes if n.prefix else stems).add(n.word)
        elif isinstance(n, Phrase):
            for w in n.words:
                if w.endswith("*"):
                    prefixes.add(w[:-1])
                else:
                    stems.add(w)
        elif isinstance(n, And | Or):
            for i in n.items:
                walk(i)

    if node is not None:
        walk(node)
    return stems, prefixes
