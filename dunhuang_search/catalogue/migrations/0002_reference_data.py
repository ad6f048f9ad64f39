from django.db import migrations

from dunhuang_search.catalogue.reference_data import load_reference_fixture


def load(apps, schema_editor):
    load_reference_fixture(apps.get_model("catalogue", "Site"), "sites.json")
    load_reference_fixture(apps.get_model("catalogue", "Period"), "periods.json")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
