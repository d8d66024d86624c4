"""The index answers filtered searches alone, in name order, and stops after a page.

Each document gains tags (status, kind, scope, countries, regions, sectors, sample
buckets); each record a place in name order (``coopdir_search_order``) that keys
its index row (the FTS5 rowid; on PostgreSQL a column, indexed with the text since
0007); and the directory's facet totals per status are
kept up to date (``coopdir_search_total``), so the landing view reads a few rows.
"""

from django.db import migrations

KINDS = ("organisation", "mechanism")


def create(apps, schema_editor):
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    run = schema_editor.execute
    collate = ' COLLATE "C"' if postgres else ""
    run(
        "CREATE TABLE coopdir_search_order (kind varchar(40) NOT NULL,"
        f" record_id bigint NOT NULL, name varchar(300){collate} NOT NULL,"
        " ord bigint NOT NULL, PRIMARY KEY (kind, record_id))"
    )
    run("CREATE UNIQUE INDEX coopdir_search_order_ord ON coopdir_search_order (kind, ord)")
    run(
        "CREATE INDEX coopdir_search_order_name ON coopdir_search_order"
        " (kind, name, record_id)"
    )
    run(
        "CREATE TABLE coopdir_search_total (kind varchar(40) NOT NULL,"
        " status varchar(20) NOT NULL, facet varchar(20) NOT NULL,"
        " value varchar(40) NOT NULL, n bigint NOT NULL,"
        " PRIMARY KEY (kind, status, facet, value))"
    )
    for kind in KINDS:
        table = f"coopdir_search_{kind}"
        if postgres:
            run(f"DROP INDEX IF EXISTS {table}_names")
            run(f"DROP INDEX IF EXISTS {table}_doc")
            run(f"ALTER TABLE {table} DROP COLUMN IF EXISTS names")
            run(f"ALTER TABLE {table} ADD COLUMN ord bigint NOT NULL DEFAULT 0")
        else:
            run(f"DROP TABLE {table}")
            run(
                f"CREATE VIRTUAL TABLE {table} USING fts5(rid UNINDEXED, names, body,"
                " tags, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4 5')"
            )
    from coopdir.search import engine
    from coopdir.search.rebuild import rebuild, record_models

    if postgres:
        for model in record_models():
            for statement in text_and_order_indexes(engine.table(model)):
                run(statement)
    if any(model._base_manager.exists() for model in record_models()):
        rebuild()


def text_and_order_indexes(name):
    """The indexes of a search table in this version (0010 added more)."""
    return [
        f"CREATE INDEX {name}_doc ON {name} USING gin (doc)",
        f"CREATE INDEX {name}_ord ON {name} (ord)",
    ]


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0005_search_word_trigrams")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
