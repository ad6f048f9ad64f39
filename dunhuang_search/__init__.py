"""Dunhuang Search: a search engine over the mural paintings of the Dunhuang grottoes."""
