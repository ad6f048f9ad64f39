from django.db import migrations

from dunhuang_search.catalogue.revision import DROP, FUNCTION, TRIGGERS


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_mural_period_optional"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION + TRIGGERS, DROP),
    ]
