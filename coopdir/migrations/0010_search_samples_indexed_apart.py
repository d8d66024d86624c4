"""PostgreSQL: each sample level is read from an index of its own; rows in name order.

Counts past a limit are estimated from nested samples of the records (level L:
about 1 in 4**L, by a hash of the pk). Until now each document carried a tag per
level, and a sample was read from the one GIN index of every record: GIN then
went through every page of the query's posting lists (a level's records are
spread over all of them), so at a million records a read of a sample cost as
much as a read of every match. Now each row keeps its deepest level in a column
(``sample``) and each level has a GIN index of the records in it alone (``WHERE
sample >= L``), about 4**L times smaller than the whole.

The rows are also rewritten in name order (CLUSTER), as every rebuild now leaves
them: the matches within a stretch of name order then lie on a few pages of the
table and of each posting list, which GIN skips to.

SQLite keeps its sample tags (FTS5 reads a sample as it reads any tag).
"""

from django.db import migrations

LEVELS = range(1, 7)  # engine.SAMPLE_LEVELS in this version


def depth_sql():
    """The deepest sample level of record_id (engine.sample_levels), in SQL."""
    spread = "mod(record_id * 2654435761, 4294967296)"
    cases = " ".join(
        f"WHEN {spread} < {1 << (32 - 2 * level)} THEN {level}"
        for level in reversed(LEVELS)
    )
    return f"CASE {cases} ELSE 0 END"


def index_samples_apart(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from coopdir.search import engine
    from coopdir.search.rebuild import record_models

    tags = [f"{engine.TAG_MARK}sa{level}" for level in LEVELS]
    run = schema_editor.execute
    for model in record_models():
        name = engine.table(model)
        run(f"DROP INDEX IF EXISTS {name}_doc")
        run(f"ALTER TABLE {name} ADD COLUMN sample smallint NOT NULL DEFAULT 0")
        # Only records in a sample carry its tags (one in four).
        run(
            f"UPDATE {name} SET sample = {depth_sql()},"
            " doc = ts_delete(doc, %s::text[])"
            f" WHERE mod(record_id * 2654435761, 4294967296) < {1 << 30}",
            [tags],
        )
        run(f"CLUSTER {name} USING {name}_ord")
        run(f"CREATE INDEX {name}_doc ON {name} USING gin (doc)")
        for level in LEVELS:
            run(
                f"CREATE INDEX {name}_sample{level} ON {name} USING gin (doc)"
                f" WHERE sample >= {level}"
            )
        run(f"ANALYZE {name}")
    engine.bump_version()


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0009_search_a_ladder_of_stretches")]
    operations = [
        migrations.RunPython(index_samples_apart, migrations.RunPython.noop)
    ]
