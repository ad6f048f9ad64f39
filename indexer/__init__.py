"""The Dunhuang indexer: a Django-free pipeline from mural images to elements and vectors."""
