"""Let the editor-in-chief see failed logins and lockouts in the admin, and unlock an account."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CHIEF = "Pemimpin Redaksi"
# Deleting an access attempt is the admin's "unlock".
CHIEF_PERMISSIONS = [
    ("axes", "view_accessattempt"), ("axes", "delete_accessattempt"),
    ("axes", "view_accessfailurelog"), ("axes", "view_accesslog"),
]  # fmt: skip


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in CHIEF_PERMISSIONS
    ]
    for group in Group.objects.filter(name=CHIEF):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    stale = Permission.objects.filter(
        content_type__app_label="axes", codename__in=[codename for _app, codename in CHIEF_PERMISSIONS]
    )
    for group in Group.objects.filter(name=CHIEF):
        group.permissions.remove(*stale)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_listing_indexes"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
