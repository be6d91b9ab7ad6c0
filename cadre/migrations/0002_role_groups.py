from django.contrib.auth.management import create_permissions
from django.db import migrations

from cadre.roles import role_groups_grant


def groups_create(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so that the
    # groups can be given theirs.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    role_groups_grant(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cadre", "0001_initial"),
        ("scoring", "0003_result_snapshot"),
    ]

    operations = [migrations.RunPython(groups_create, migrations.RunPython.noop)]
