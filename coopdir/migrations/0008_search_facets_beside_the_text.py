"""PostgreSQL: each search row keeps its facet values beside its text.

Facet counts are grouped over the matches a search has just read (or its sample);
read from the rows themselves they come from pages already in memory, rather than
from the facet table, many times larger. The facet table stays (the directory's
totals are kept from it, and SQLite groups from it). SQLite is unchanged.
"""

from django.db import migrations


def add_facets(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from coopdir.search import engine
    from coopdir.search.rebuild import record_models

    for model in record_models():
        name = engine.table(model)
        schema_editor.execute(
            f"ALTER TABLE {name} ADD COLUMN facets text[] NOT NULL DEFAULT '{{}}'"
        )
        schema_editor.execute(
            f"UPDATE {name} t SET facets = f.facets FROM ("
            "SELECT record_id, array_agg(facet || ':' || value ORDER BY facet, value)"
            f" AS facets FROM {engine.FACET_TABLE} WHERE kind = %s GROUP BY record_id"
            ") f WHERE f.record_id = t.record_id",
            [engine.kind(model)],
        )
    engine.bump_version()


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0007_search_stretches_of_name_order")]
    operations = [migrations.RunPython(add_facets, migrations.RunPython.noop)]
