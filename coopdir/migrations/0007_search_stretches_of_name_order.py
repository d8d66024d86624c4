"""PostgreSQL: documents carry the stretches of name order they lie in; no RUM index.

A page of matches in name order is read from the first span of name order that
holds enough of them (coopdir.search.found); each document's tags for its short
and long stretch (place >> bits, engine.STRETCHES) let GIN narrow that read to the
span. This replaces
the RUM index of 0006, which read every match of frequent words to hand them over
in order. SQLite is unchanged.
"""

from django.db import migrations


def add_stretches(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from coopdir.search import engine
    from coopdir.search.rebuild import record_models

    marks, params = [], []
    # The stretches of this version (0009 replaced them with a ladder of lengths).
    for prefix, bits in (("pl", 34), ("pm", 40)):
        marks.append("%s || (ord >> %s)::text")
        params += [engine.TAG_MARK + prefix, bits]
    for model in record_models():
        name = engine.table(model)
        with connection.cursor() as cursor:
            engine.drop_indexes(model, cursor)
            cursor.execute(
                f"UPDATE {name} SET doc = doc || array_to_tsvector("
                f"ARRAY[{', '.join(marks)}])",
                params,
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
    dependencies = [("coopdir", "0006_search_tags_and_order")]
    operations = [migrations.RunPython(add_stretches, migrations.RunPython.noop)]
