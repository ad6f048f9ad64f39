"""The catalogue's revision: a value that changes whenever a site, cave, period or mural
changes, however it changes (the ORM, a bulk update, raw SQL, TRUNCATE), seen by every process
once the change commits. Statement-level triggers set it; `current()` reads it in one indexed
lookup. The mural cache (catalogue/cache.py) keys on it.

It is a row, not a bare sequence: a sequence's value is seen before the change that drew it
commits, so a reader could cache the old rows under the new value. It is a pair: the writing
transaction's id (never handed out twice, not even after a pg_restore brings back an older row)
and a sequence number (several changes in one transaction each get their own).
"""

from __future__ import annotations

from django.db import connection

TABLES = ("catalogue_site", "catalogue_cave", "catalogue_period", "catalogue_mural")

FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS catalogue_revision_seq;
CREATE TABLE IF NOT EXISTS catalogue_revision (
    id smallint PRIMARY KEY CHECK (id = 1),
    xact xid8 NOT NULL,
    n bigint NOT NULL
);
INSERT INTO catalogue_revision VALUES (1, pg_current_xact_id(), nextval('catalogue_revision_seq'))
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION catalogue_bump_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalogue_revision
        VALUES (1, pg_current_xact_id(), nextval('catalogue_revision_seq'))
        ON CONFLICT (id) DO UPDATE SET xact = EXCLUDED.xact, n = EXCLUDED.n;
    RETURN NULL;
END $$;
"""

TRIGGERS = "".join(
    f"""
CREATE TRIGGER {table}_revision
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_revision();
CREATE TRIGGER {table}_revision_truncate
    AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_revision();
"""
    for table in TABLES
)

DROP = "".join(
    f"DROP TRIGGER IF EXISTS {table}_revision ON {table};"
    f"DROP TRIGGER IF EXISTS {table}_revision_truncate ON {table};"
    for table in TABLES
) + (
    "DROP FUNCTION IF EXISTS catalogue_bump_revision();"
    "DROP TABLE IF EXISTS catalogue_revision;"
    "DROP SEQUENCE IF EXISTS catalogue_revision_seq;"
)


def current() -> tuple[str, int] | None:
    """The committed revision as this connection sees it (None right after a TRUNCATE of
    every table, as a test database's flush does, until the next change)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xact::text, n FROM catalogue_revision WHERE id = 1")
        row = cursor.fetchone()
    return tuple(row) if row else None

