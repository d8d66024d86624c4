"""PostgreSQL: names get a tsvector and GIN index of their own (the name tier).

A weight-restricted query ('word':*A) cannot be answered from a GIN index alone, so
PostgreSQL rechecked every candidate row; a separate vector needs no recheck.
"""

from django.db import migrations

KINDS = ("organisation", "mechanism")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        table = f"coopdir_search_{kind}"
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN names tsvector NOT NULL DEFAULT ''"
        )
        schema_editor.execute(
            f"CREATE INDEX {table}_names ON {table} USING gin (names)"
        )
    from coopdir.search.rebuild import rebuild, record_models

    if any(model._base_manager.exists() for model in record_models()):
        rebuild()


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"ALTER TABLE coopdir_search_{kind} DROP COLUMN names")


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0003_search_facet_totals")]

    operations = [migrations.RunPython(create, drop)]
