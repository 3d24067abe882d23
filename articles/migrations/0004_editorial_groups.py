"""Give the newsroom roles the image library; editors also manage old addresses."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = "Penulis"
EDITORS = ["Editor", "Pemimpin Redaksi"]

WRITER_PERMISSIONS = [("articles", "add_inlineimage"), ("articles", "view_inlineimage")]
EDITOR_PERMISSIONS = [
    ("articles", "add_inlineimage"), ("articles", "change_inlineimage"), ("articles", "delete_inlineimage"),
    ("articles", "view_inlineimage"), ("articles", "view_articleoldslug"), ("articles", "delete_articleoldslug"),
]  # fmt: skip


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        return [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in pairs
        ]

    for group in Group.objects.filter(name=WRITER):
        group.permissions.add(*permissions(WRITER_PERMISSIONS))
    for group in Group.objects.filter(name__in=EDITORS):
        group.permissions.add(*permissions(EDITOR_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = {codename for _app, codename in WRITER_PERMISSIONS + EDITOR_PERMISSIONS}
    stale = Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    for group in Group.objects.filter(name__in=[WRITER, *EDITORS]):
        group.permissions.remove(*stale)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_editorial")]

    operations = [migrations.RunPython(grant, revoke)]
