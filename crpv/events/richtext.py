"""Rich text (event descriptions) cleaned with an allow-list (SEC-10).

Cleaned on save (what the database holds is safe) and again on render by the
`sanitised` template filter, so a row written by another path (a raw SQL
fix, an old backup) cannot carry a script to a page either.
"""

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "abbr",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "span": {"lang"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(value: str) -> str:
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
