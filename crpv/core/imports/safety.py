"""Formula neutralisation for cells written back to spreadsheets.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel and LibreOffice (CSV injection); a leading apostrophe makes it
plain text. `crpv.core.exports` is expected to own the project-wide version of
this; until it exists the import framework keeps its own.
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return `value` as text that a spreadsheet will not evaluate.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("Lille")
    'Lille'
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
