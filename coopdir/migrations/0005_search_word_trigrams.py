"""PostgreSQL: the trigram index covers lower(word), not word.

pg_trgm's GIN index also answers `=`, and the planner chose it for the exact look-ups
of typo matching (500 spellings at once), which it answers far slower than the
primary key. On an expression it serves only the similarity search it is for.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS coopdir_search_word_trgm")
    schema_editor.execute(
        "CREATE INDEX coopdir_search_word_trgm ON coopdir_search_word"
        " USING gin (lower(word) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS coopdir_search_word_trgm")
    schema_editor.execute(
        "CREATE INDEX coopdir_search_word_trgm ON coopdir_search_word"
        " USING gin (word gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("coopdir", "0004_search_names_vector")]

    operations = [migrations.RunPython(create, drop)]
