"""Django database backend: PostgreSQL, with the embedded server started on first connection."""
