"""Create the Editors and Publishers groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = {
    "organisations": ["organisation", "sector", "source"],
    "mechanisms": ["mechanism"],
}
ROWS = {
    "organisations": [
        "organisationname",
        "duty",
        "organisationcountry",
        "organisationregion",
        "membership",
        "keyfigure",
    ],
    "mechanisms": [
        "mechanismname",
        "mechanismcountry",
        "subnationalparticipant",
        "secretariat",
        "participant",
        "mechanismfigure",
    ],
}


def editor_codenames():
    codes = []
    for app, models in CONTENT.items():
        for model in models:
            codes += [(app, f"{a}_{model}") for a in ("view", "add", "change")]
    # Rows inside a record (names, countries, figures, …) are edited in its form,
    # where removing one is part of editing.
    for app, models in ROWS.items():
        for model in models:
            codes += [(app, f"{a}_{model}") for a in ("view", "add", "change", "delete")]
    return codes


def publisher_codenames():
    codes = editor_codenames()
    for app, models in CONTENT.items():
        codes += [(app, f"delete_{model}") for model in models]
    codes += [
        ("organisations", "publish_organisation"),
        ("mechanisms", "publish_mechanism"),
    ]
    return codes


def create_groups(apps, schema_editor):
    for label in ("organisations", "mechanisms"):
        # create_permissions skips an app config without models_module, as the
        # migration state's are; also callable with the real registry (tests).
        app_config = apps.get_app_config(label)
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in (
        ("Editors", editor_codenames()),
        ("Publishers", publisher_codenames()),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for app, codename in codes:
            perms.append(
                Permission.objects.get(
                    content_type__app_label=app, codename=codename
                )
            )
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Publishers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0002_seed_facts"),
        ("mechanisms", "0002_seed_facts"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
