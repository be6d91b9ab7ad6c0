"""The database cache table of settings.CACHES (failed logins, cadre/login_throttle.py), created
by `migrate` so that no installation can miss it; `createcachetable` does the same."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


def cache_tables_create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def cache_tables_drop(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    for cache in settings.CACHES.values():
        if cache["BACKEND"] == DATABASE_CACHE:
            schema_editor.execute(f"DROP TABLE IF EXISTS {quote(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [
        ("cadre", "0005_code_validator"),
    ]

    operations = [
        migrations.RunPython(cache_tables_create, cache_tables_drop),
    ]
