"""Facet rows gain an ("all", "") row per record; refill the index once."""

from django.db import migrations


def fill(apps, schema_editor):
    from coopdir.search.rebuild import rebuild, record_models

    if any(model._base_manager.exists() for model in record_models()):
        rebuild()


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0002_search_facets")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
