"""Trigram (pg_trgm) GIN indexes for text search over element notes and inscription (OCR) text.

Plain SQL rather than Meta.indexes: they serve search queries only, and the extension that
provides gin_trgm_ops is created by 0001.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("elements", "0004_index_job_dense_progress"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS elements_element_notes_trgm "
            "ON elements_element USING gin (notes gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS elements_element_notes_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS elements_element_ocr_text_trgm "
            "ON elements_element USING gin (ocr_text gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS elements_element_ocr_text_trgm",
        ),
    ]
