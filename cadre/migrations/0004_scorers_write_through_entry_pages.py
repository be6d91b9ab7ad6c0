from django.db import migrations

from cadre.roles import SCORER

WRITES = ["add_indicatorvalue", "change_indicatorvalue", "add_vote", "change_vote"]


def scorer_writes_remove(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=SCORER).first()
    if group:
        permissions = apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="scoring", codename__in=WRITES
        )
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("cadre", "0003_constraint_messages"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(scorer_writes_remove, migrations.RunPython.noop)]
