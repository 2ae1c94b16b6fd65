"""Weeding (désherbage) of the paper collection and of the server's digital files.

- `candidates`: which copies (or records without copies) a rule designates, and why.
- `operations`: staff decisions, append-only, with their audit entries.
- `digital`: a read-only inventory of a server folder and its elimination list.
"""
