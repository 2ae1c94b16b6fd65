# Placeholder: replaced by the territories work (issue 2).
def search_territories(query, limit=50):
    return []
