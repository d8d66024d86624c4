"""PostgreSQL: documents carry stretches of name order of seven lengths, not two.

0007 tagged each document with a short stretch (about 1,024 records) and a long
one (about 65,536). A span between them was narrowed to dozens of short stretches,
and GIN's work on an alternative of stretches grows with the square of their
number (64 short ones cost about 15 ms at a million records, four cost 0.2 ms),
or to a few long ones holding far more matches than the span. Now each document
carries one stretch of every length from about 1,024 records to 4,194,304, each
four times the last (engine.STRETCHES), so any span is covered by at most eight
stretches of one length. SQLite is unchanged.
"""

from django.db import migrations

# The stretches of this version: (tag prefix, place >> bits), engine.STRETCHES.
LADDER = [(f"p{letter}", bits) for letter, bits in zip("abcdefg", range(34, 48, 2))]


def climb_the_ladder(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from coopdir.search import engine
    from coopdir.search.rebuild import record_models

    marks, params = [], []
    for prefix, bits in LADDER:
        marks.append("%s || (ord >> %s)::text")
        params += [engine.TAG_MARK + prefix, bits]
    old = f"{engine.TAG_MARK}p[lm][0-9]+"  # 0007's short and long stretches
    for model in record_models():
        name = engine.table(model)
        with connection.cursor() as cursor:
            engine.drop_indexes(model, cursor)
            cursor.execute(
                f"UPDATE {name} SET doc = ts_delete(doc, ARRAY("
                "SELECT lexeme FROM unnest(tsvector_to_array(doc)) lexeme"
                " WHERE lexeme ~ %s))"
                f" || array_to_tsvector(ARRAY[{', '.join(marks)}])",
                [f"^{old}$", *params],
            )
        for statement in text_and_order_indexes(engine.table(model)):
            schema_editor.execute(statement)
    engine.bump_version()


def text_and_order_indexes(name):
    """The indexes of a search table in this version (0010 added more)."""
    return [
        f"CREATE INDEX {name}_doc ON {name} USING gin (doc)",
        f"CREATE INDEX {name}_ord ON {name} (ord)",
    ]


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0008_search_facets_beside_the_text")]
    operations = [migrations.RunPython(climb_the_ladder, migrations.RunPython.noop)]
