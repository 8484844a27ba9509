from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The default (no REDIS_URL) cache lives in the database: create its table with migrate (idempotent)."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("cms", "0004_rosterimport")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
