"""SQLite: the records of sample level 2 and deeper also have an FTS5 table of
their own, from which those samples are read.

FTS5, like GIN, works through every posting list of a query's words and tags;
with the sample's tag among them, a sample read cost nearly as much as reading
every match. The table of the deeper levels is a sixteenth of the whole (its
postings too). PostgreSQL has a GIN index per level instead (0010).
"""

from django.db import migrations

KINDS = ("organisation", "mechanism")
LEVEL = 2  # engine.SAMPLE_TABLE_LEVEL in this version


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    run = schema_editor.execute
    for kind in KINDS:
        name = f"coopdir_search_{kind}"
        run(
            f"CREATE VIRTUAL TABLE {name}_sample USING fts5(rid UNINDEXED, names,"
            " body, tags, tokenize = 'unicode61 remove_diacritics 0',"
            " prefix = '2 3 4 5')"
        )
        run(
            f"INSERT INTO {name}_sample (rowid, rid, names, body, tags)"
            f" SELECT rowid, rid, names, body, tags FROM {name}"
            f" WHERE {name} MATCH '{{tags}} : \"sa{LEVEL}\"'"
        )


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0010_search_samples_indexed_apart")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
