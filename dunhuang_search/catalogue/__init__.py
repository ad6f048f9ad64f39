"""The mural catalogue: sites, caves, periods and murals; ingest, viewer and IIIF."""
