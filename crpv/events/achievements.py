def register_provider():
    pass
