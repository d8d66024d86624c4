"""The search index tables: FTS5 on SQLite, tsvector + GIN (and pg_trgm) on PostgreSQL.

coopdir has no models; these tables are written and read by coopdir.search.engine
in raw SQL. Each operation checks the database vendor, so one migration serves both.
"""

from django.db import migrations

KINDS = ("organisation", "mechanism")

COMMON = [
    "CREATE TABLE coopdir_search_key ("
    " kind varchar(40) NOT NULL, key varchar(300) NOT NULL, record_id bigint NOT NULL)",
    "CREATE INDEX coopdir_search_key_lookup ON coopdir_search_key (kind, key)",
    "CREATE INDEX coopdir_search_key_record ON coopdir_search_key (kind, record_id)",
    "CREATE TABLE coopdir_search_word (word varchar(60) NOT NULL PRIMARY KEY)",
    "CREATE TABLE coopdir_search_state (id integer NOT NULL PRIMARY KEY,"
    " version bigint NOT NULL)",
    "INSERT INTO coopdir_search_state (id, version) VALUES (1, 1)",
]

SQLITE = [
    f"CREATE VIRTUAL TABLE coopdir_search_{kind} USING fts5("
    "names, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')"
    for kind in KINDS
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE INDEX coopdir_search_word_trgm ON coopdir_search_word"
    " USING gin (word gin_trgm_ops)",
    *[
        statement
        for kind in KINDS
        for statement in (
            f"CREATE TABLE coopdir_search_{kind} ("
            " record_id bigint NOT NULL PRIMARY KEY, doc tsvector NOT NULL)",
            f"CREATE INDEX coopdir_search_{kind}_doc ON coopdir_search_{kind}"
            " USING gin (doc)",
        )
    ],
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = COMMON + {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    tables = [f"coopdir_search_{kind}" for kind in KINDS] + [
        "coopdir_search_key",
        "coopdir_search_word",
        "coopdir_search_state",
    ]
    for name in tables:
        schema_editor.execute(f"DROP TABLE IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create, drop, elidable=False)]
