"""A published snapshot never changes: PostgreSQL refuses any UPDATE of its title, time or data
and any DELETE (only its board and publisher may be set to NULL, when they are deleted)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION boards_snapshot_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'board snapshot % is published and cannot be deleted', OLD.id;
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.title IS DISTINCT FROM OLD.title
       OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.data IS DISTINCT FROM OLD.data
       OR (NEW.board_id IS DISTINCT FROM OLD.board_id AND NEW.board_id IS NOT NULL)
       OR (NEW.published_by_id IS DISTINCT FROM OLD.published_by_id
           AND NEW.published_by_id IS NOT NULL) THEN
        RAISE EXCEPTION 'board snapshot % is published and cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER boards_snapshot_immutable BEFORE UPDATE OR DELETE ON boards_boardsnapshot
    FOR EACH ROW EXECUTE FUNCTION boards_snapshot_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS boards_snapshot_immutable ON boards_boardsnapshot;
DROP FUNCTION IF EXISTS boards_snapshot_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_boards_lanes_items_snapshots")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
