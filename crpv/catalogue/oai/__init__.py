"""OAI-PMH 2.0: the catalogue's data provider and a harvester of partner repositories."""
