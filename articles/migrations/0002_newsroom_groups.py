"""Create the newsroom roles as groups, so every installation starts with them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = "Penulis"
EDITOR = "Editor"
CHIEF = "Pemimpin Redaksi"

WRITER_PERMISSIONS = [
    ("articles", "add_article"), ("articles", "change_article"), ("articles", "view_article"),
    ("articles", "add_credit"), ("articles", "change_credit"), ("articles", "delete_credit"),
    ("articles", "view_credit"), ("articles", "view_section"), ("articles", "view_author"),
    ("articles", "view_correction"), ("taggit", "add_tag"), ("taggit", "view_tag"),
]  # fmt: skip
EDITOR_MODELS = [
    ("articles", "article"), ("articles", "credit"), ("articles", "correction"),
    ("articles", "section"), ("articles", "author"), ("articles", "page"),
    ("articles", "taggedarticle"), ("taggit", "tag"),
]  # fmt: skip


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
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

    editor_pairs = [
        (app_label, f"{action}_{model}")
        for app_label, model in EDITOR_MODELS
        for action in ("add", "change", "delete", "view")
    ] + [("articles", "publish_article")]

    writer, _ = Group.objects.get_or_create(name=WRITER)
    writer.permissions.set(permissions(WRITER_PERMISSIONS))
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.set(permissions(editor_pairs))
    chief, _ = Group.objects.get_or_create(name=CHIEF)
    chief.permissions.set(
        permissions(editor_pairs + [("auth", "view_user"), ("auth", "change_user"), ("auth", "add_user")])
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[WRITER, EDITOR, CHIEF]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
