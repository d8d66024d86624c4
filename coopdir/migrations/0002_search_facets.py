"""Facet values per record, kept by the search index, so facet counts need no joins."""

from django.db import migrations


def create(apps, schema_editor):
    clustered = " WITHOUT ROWID" if schema_editor.connection.vendor == "sqlite" else ""
    schema_editor.execute(
        "CREATE TABLE coopdir_search_facet ("
        " kind varchar(40) NOT NULL, record_id bigint NOT NULL,"
        " facet varchar(20) NOT NULL, value varchar(40) NOT NULL,"
        " PRIMARY KEY (kind, record_id, facet, value))" + clustered
    )


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS coopdir_search_facet")


class Migration(migrations.Migration):
    dependencies = [
        ("coopdir", "0001_search_index"),
        ("organisations", "__first__"),
        ("mechanisms", "__first__"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]


def fill(apps, schema_editor):
    # A database that had records before the index existed gets it filled once.
    from coopdir.search.rebuild import rebuild, record_models

    if any(model._base_manager.exists() for model in record_models()):
        rebuild()


Migration.operations.append(
    migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)
)
