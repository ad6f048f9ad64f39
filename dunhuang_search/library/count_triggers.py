"""The SQL that keeps library_elementcount (models.ElementCount) equal to the shown elements,
grouped: statement-level triggers on elements_element with transition tables, so a COPY or
bulk insert of a million rows costs one grouped upsert, not a million. Used by migration 0002
and by `rebuild_library_counts`; `SHOWN` and `VISIBLE` must say what Element.objects.shown()
and visible() say (a test compares them)."""

from __future__ import annotations

# Element.objects.shown(), with a category: no dense windows or proposals
SHOWN = "category_id IS NOT NULL AND source NOT IN ('dense', 'proposal')"
# ...and of those, Element.objects.visible(): nothing rejected, and detections only at or above
# their class's operating threshold unless manual or accepted
VISIBLE = (
    "(review_state <> 'rejected' AND (confident OR source = 'manual' OR review_state = 'accepted'))"
)
# LEAST skips NULLs, so a missing score must be kept NULL by hand
SCORE_BIN = (
    "(CASE WHEN score IS NULL THEN NULL ELSE LEAST(FLOOR(score * 10)::int, 9) END)::smallint"
)
KEY = "category_id, mural_id, source, review_state, model_version"
KEY_EXPRESSIONS = f"{KEY}, {VISIBLE}, {SCORE_BIN}"
COLUMNS = f"{KEY}, visible, score_bin"

GROUPED = f"""
    SELECT {KEY_EXPRESSIONS}, count(*) AS count
    FROM elements_element WHERE {SHOWN}
    GROUP BY {KEY_EXPRESSIONS}
"""


def _apply(delta: str) -> str:
    """The upsert of the grouped `delta` (rows with a column n of +1 or -1), then the removal of
    groups that fell to zero."""
    return f"""
    INSERT INTO library_elementcount ({COLUMNS}, count)
    SELECT {KEY_EXPRESSIONS}, sum(n) FROM ({delta}) delta
    WHERE {SHOWN}
    GROUP BY {KEY_EXPRESSIONS}
    HAVING sum(n) <> 0
    ORDER BY {KEY_EXPRESSIONS}
    ON CONFLICT ON CONSTRAINT library_elementcount_key
    DO UPDATE SET count = library_elementcount.count + EXCLUDED.count;
    DELETE FROM library_elementcount WHERE count <= 0;"""


ADDED = "SELECT *, 1 AS n FROM new_rows"
REMOVED = "SELECT *, -1 AS n FROM old_rows"

# transition tables exist only for the event that names them, so each event has its branch
FUNCTION = f"""
CREATE OR REPLACE FUNCTION library_count_elements() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM library_elementcount;
    ELSIF TG_OP = 'INSERT' THEN {_apply(ADDED)}
    ELSIF TG_OP = 'DELETE' THEN {_apply(REMOVED)}
    ELSE {_apply(f"{ADDED} UNION ALL {REMOVED}")}
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER library_count_insert AFTER INSERT ON elements_element
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION library_count_elements();
CREATE TRIGGER library_count_update AFTER UPDATE ON elements_element
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION library_count_elements();
CREATE TRIGGER library_count_delete AFTER DELETE ON elements_element
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION library_count_elements();
CREATE TRIGGER library_count_truncate AFTER TRUNCATE ON elements_element
    FOR EACH STATEMENT EXECUTE FUNCTION library_count_elements();
"""

DROP = """
DROP TRIGGER IF EXISTS library_count_insert ON elements_element;
DROP TRIGGER IF EXISTS library_count_update ON elements_element;
DROP TRIGGER IF EXISTS library_count_delete ON elements_element;
DROP TRIGGER IF EXISTS library_count_truncate ON elements_element;
DROP FUNCTION IF EXISTS library_count_elements();
"""

# the whole table again, from the elements (migration 0002, rebuild_library_counts)
REBUILD = f"""
DELETE FROM library_elementcount;
INSERT INTO library_elementcount ({COLUMNS}, count) {GROUPED};
"""

# groups whose stored count differs from the elements', or that one side lacks
# (rebuild_library_counts --check)
DRIFT = f"""
SELECT count(*) FROM (SELECT DISTINCT {COLUMNS} FROM (
    SELECT {COLUMNS}, count FROM library_elementcount
    EXCEPT ALL ({GROUPED})
    UNION ALL
    ( ({GROUPED}) EXCEPT ALL SELECT {COLUMNS}, count FROM library_elementcount )
) differing) drift
"""
