"""The REST API (DRF) and its OpenAPI schema."""
