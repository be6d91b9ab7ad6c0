from django.db import migrations

# A big sheet's preview holds 200,000 changes (7 MB of JSON): compressed with lz4 instead of
# PostgreSQL's default pglz, storing it costs the server 0.1 s less CPU, and reading it back no
# more. A server built without lz4 keeps the default.
LZ4_AVAILABLE = (
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def changes_compression(method: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(LZ4_AVAILABLE)
            if not cursor.fetchone()[0]:
                return
        table = schema_editor.quote_name(apps.get_model("scoring", "ImportRecord")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN changes SET COMPRESSION {method}")

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0034_verification_resumed_by"),
    ]

    operations = [
        migrations.RunPython(changes_compression("lz4"), changes_compression("pglz")),
    ]
