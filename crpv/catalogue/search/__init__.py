"""Full-text search of the catalogue, one implementation per engine behind one interface.

- `query`: the query language, parsed into a tree (plain Python);
- `text`: folding and French stemming shared by the index and the queries;
- `backends`: SQLite FTS5 and PostgreSQL tsvector;
- `index`: the write path (`index_records`) and the full rebuild (`reindex_all`);
- `engine`: search with filters, facets, sorting and pagination (`search_records`);
- `highlight`: escaped, highlighted titles and excerpts.
"""

from .engine import CANDIDATE_CAP, Filters, SearchResults, search_records
from .index import index_records, reindex_all, remove_records

__all__ = [
    "CANDIDATE_CAP",
    "Filters",
    "SearchResults",
    "index_records",
    "reindex_all",
    "remove_records",
    "search_records",
]
