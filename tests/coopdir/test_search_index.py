"""The search index stays in step with every kind of write, and can be rebuilt."""

import io
import json
from collections import Counter

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models import Q

from coopdir.search import engine, search
from coopdir.search.rebuild import rebuild
from mechanisms.models import Mechanism, MechanismCountry, MechanismName
from organisations.models import (
    Organisation,
    OrganisationCountry,
    OrganisationName,
    Sector,
)
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    OrganisationNameFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def expected_tokens(model, pk):
    doc = engine.build_documents(model, Q(pk=pk))[pk]
    names, body = doc.token_fields()
    return set(names) | set(body)


def assert_in_step(*models):
    """The index holds exactly the records there are, each with its current text
    and tags (status, kind, countries, regions, sectors), in name order."""
    for model in models:
        pks = set(model.objects.values_list("pk", flat=True))
        assert engine.indexed_pks(model) == pks
        for pk in pks:
            assert engine.indexed_tokens(model, pk) == expected_tokens(model, pk)
            doc = engine.build_documents(model, Q(pk=pk))[pk]
            assert engine.indexed_tags(model, pk) == doc.tags
            assert engine.indexed_facets(model, pk) == doc.facets
            assert engine.indexed_sample(model, pk) == engine.sample_depth(pk)
        by_name = sorted(model.objects.values_list("name", "pk"))
        assert engine.indexed_order(model) == [pk for _name, pk in by_name]
        assert engine.misplaced(model) == []


def names(query, model=Organisation):
    return [record.name for record in search(model.objects.all(), query)]


def test_it_follows_every_kind_of_write():
    farming = SectorFactory(name="Agriculture", name_zh="农业", slug="agriculture")
    fishing = SectorFactory(name="Fisheries", slug="fisheries")
    record = OrganisationFactory(name="Alpha Union", hq_country="FI")
    assert names("alpha") == ["Alpha Union"]
    assert names("finland") == ["Alpha Union"]

    # Update a field.
    record.name = "Gamma Union"
    record.summary = "Grows barley"
    record.save()
    assert names("alpha") == []
    assert names("gamma barley") == ["Gamma Union"]

    # Many-to-many both ways, and clearing.
    record.sectors.add(farming)
    assert names("农业") == ["Gamma Union"]
    farming.organisations.add(OrganisationFactory(name="Delta Union"))
    assert names("agriculture") == ["Delta Union", "Gamma Union"]
    record.sectors.remove(farming)
    assert names("agriculture") == ["Delta Union"]
    farming.organisations.clear()
    assert names("agriculture") == []
    record.sectors.set([fishing])
    assert names("fisheries") == ["Gamma Union"]

    # A sector renamed or deleted changes the records in it.
    fishing.name = "Aquaculture"
    fishing.save()
    assert names("aquaculture") == ["Gamma Union"]
    fishing.delete()
    assert names("aquaculture") == []

    # Country rows and other names.
    row = OrganisationCountry.objects.create(organisation=record, country="IT")
    assert names("italy") == ["Gamma Union"]
    row.delete()
    assert names("italy") == []
    other = OrganisationNameFactory(organisation=record, name="Omega Cooperative")
    assert names("omega") == ["Gamma Union"]
    other.name = "Sigma Cooperative"
    other.save()
    assert names("omega") == []
    assert names("sigma") == ["Gamma Union"]
    OrganisationName.objects.filter(pk=other.pk).get().delete()
    assert names("sigma") == []

    # Mechanisms alike.
    mechanism = MechanismFactory(name="China-Italy Business Forum")
    MechanismCountry.objects.create(mechanism=mechanism, country="IT")
    MechanismName.objects.create(mechanism=mechanism, name="Sino-Italian Forum")
    mechanism.sectors.add(SectorFactory(name="Aviation", slug="aviation"))
    assert names("sino aviation italy", Mechanism) == ["China-Italy Business Forum"]
    assert_in_step(Organisation, Mechanism)

    # Deletes, with their cascades.
    record.delete()
    mechanism.delete()
    assert names("gamma") == []
    assert names("forum", Mechanism) == []
    assert_in_step(Organisation, Mechanism)


def test_a_rolled_back_write_leaves_the_index_as_it_was():
    from django.db import transaction

    record = OrganisationFactory(name="Kept Union")
    with pytest.raises(RuntimeError), transaction.atomic():
        record.name = "Lost Union"
        record.save()
        assert names("lost") == ["Lost Union"]
        raise RuntimeError
    assert names("lost") == []
    assert names("kept") == ["Kept Union"]


def test_loaddata_and_rebuild_agree_with_the_records(tmp_path):
    farming = SectorFactory(name="Agriculture", slug="agriculture")
    source = OrganisationFactory(name="Fixture Union", sectors=[farming])
    OrganisationNameFactory(organisation=source, name="供销合作社")
    data = serializers.serialize(
        "json",
        [
            *OrganisationName.objects.all(),  # rows before their record, on purpose
            *Organisation.objects.all(),
            *OrganisationCountry.objects.all(),
        ],
    )
    fixture = tmp_path / "data.json"
    loaded = json.loads(data)
    for item in loaded:
        if item["model"] == "organisations.organisation":
            item["fields"]["name"] = "Loaded Union"
    fixture.write_text(json.dumps(loaded))
    call_command("loaddata", str(fixture), verbosity=0)
    assert names("loaded 供销 agriculture") == ["Loaded Union"]
    assert_in_step(Organisation, Mechanism)

    # Writes that bypass signals, then a rebuild.
    Organisation.objects.filter(pk=source.pk).update(name="Bulk Union")
    Organisation.objects.bulk_create(
        [Organisation(name="Created In Bulk", slug="bulk", kind="cooperative")]
    )
    assert names("bulk") == []
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_search_index", stdout=out, stderr=err)
    assert "Indexed 2 records" in out.getvalue()
    assert names("bulk") == ["Bulk Union", "Created In Bulk"]
    assert_in_step(Organisation, Mechanism)


def test_a_rebuild_bumps_the_version_caches_depend_on():
    before = engine.version()
    rebuild()
    after_rebuild = engine.version()
    OrganisationFactory(name="Versioned")
    assert before < after_rebuild < engine.version()


def test_sector_model_is_the_shared_one():
    assert Organisation.sectors.field.related_model is Sector


def test_the_migrations_built_the_engine_for_this_database():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT extname FROM pg_extension")
            extensions = {row[0] for row in cursor.fetchall()}
            assert {"pg_trgm", "unaccent"} <= extensions
            cursor.execute(
                "SELECT indexdef FROM pg_indexes "
                "WHERE tablename = 'coopdir_search_organisation'"
            )
            definitions = [row[0] for row in cursor.fetchall()]
            # GIN on the text (its tags, stretches of name order among them), a
            # B-tree on the place in name order; no RUM (0006's) any more.
            assert any("USING gin (doc)" in d for d in definitions), definitions
            assert any("USING btree (ord)" in d for d in definitions), definitions
            assert not any("rum" in d for d in definitions), definitions
            # And one GIN index per sample level, of that level's rows alone.
            for level in range(1, engine.SAMPLE_LEVELS + 1):
                assert any(
                    d.endswith(f"WITH (fastupdate=off) WHERE (sample >= {level})")
                    and "USING gin (doc)" in d
                    for d in definitions
                ), (level, definitions)
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master "
                "WHERE name = 'coopdir_search_organisation'"
            )
            assert "fts5" in cursor.fetchone()[0].lower()


def test_a_span_is_covered_by_few_stretches_that_fit_it():
    import random

    shortest = 1 << engine.STRETCHES[0][1]
    assert engine.cover(0, 1) == ([engine.tag(engine.STRETCHES[0][0], 0)], 1)
    rng = random.Random(5)
    for _ in range(200):
        first = rng.choice([0, rng.randrange(1 << 44)])
        last = first + rng.choice([1, rng.randrange(1, 1 << rng.randrange(20, 46))])
        tags, end = engine.cover(first, last)
        assert first < end <= last and len(tags) <= engine.MAX_STRETCHES
        # It ends at last, or short of it at the start of a stretch: where the
        # stretches ran out, or where the last one would have reached past last.
        if end < last:
            assert end % shortest == 0
            assert len(tags) == engine.MAX_STRETCHES or end == last - last % shortest
        assert engine.span_tags(first, last) == (tags if end == last else None)
        # Each place of the span lies in exactly one stretch of the cover; none
        # lies in it a shortest stretch or more before the span, or past it
        # unless the span lies within one shortest stretch.
        step = max(1, (end - first) // 97)
        for place in [*range(first, end, step), end - 1]:
            assert len(engine.stretch_tags(place) & set(tags)) == 1, (first, end)
        outside = [first - shortest]
        if first // shortest != (last - 1) // shortest:
            outside.append(end)
        for place in outside:
            if place >= 0:
                assert not engine.stretch_tags(place) & set(tags), (first, end)
    assert engine.span_tags(0, 1 << 62) is None  # too long to narrow


def test_migration_0009_retags_documents_of_0007_with_the_ladder():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module(
        "coopdir.migrations.0009_search_a_ladder_of_stretches"
    )
    assert [prefix for prefix, _bits in migration.LADDER] == [
        engine.TAG_PREFIX[facet] for facet, _bits in engine.STRETCHES
    ]
    assert [bits for _prefix, bits in migration.LADDER] == [
        bits for _facet, bits in engine.STRETCHES
    ]
    records = [OrganisationFactory(name=f"Ladder {n}") for n in range(3)]
    if connection.vendor == "postgresql":
        # Tagged as 0007 left them: a short and a long stretch, no ladder.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE coopdir_search_organisation SET doc = ts_delete(doc, ARRAY("
                "SELECT l FROM unnest(tsvector_to_array(doc)) l WHERE l ~ '^~p[a-g]'))"
                " || array_to_tsvector("
                "ARRAY['~pl' || (ord >> 34), '~pm' || (ord >> 40)])"
            )
        assert len(engine.misplaced(Organisation)) == len(records)

    # What the migration uses of a schema editor (SQLite's cannot be entered
    # inside a test's transaction).
    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    editor = SimpleNamespace(connection=connection, execute=execute)
    migration.climb_the_ladder(None, editor)
    assert engine.misplaced(Organisation) == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # nor any of 0007's stretches left
            cursor.execute(
                "SELECT COUNT(*) FROM coopdir_search_organisation, unnest(doc)"
                " WHERE lexeme ~ '^~p[lm][0-9]'"
            )
            assert cursor.fetchone()[0] == 0
    assert_in_step(Organisation)
    assert [r.pk for r in search(Organisation.objects.all(), "ladder")] == [
        r.pk for r in records
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite groups facets from its facet table",
)
def test_a_read_counts_the_facets_of_what_it_finds():
    from coopdir.search import plan

    records = [OrganisationFactory(name=f"Grouped Union {n}") for n in range(3)]
    words = engine.compile_query(plan("grouped"))
    for up_to, counted in ((3, True), (2, False)):
        rows, groups = engine.matching(
            Organisation, words, 10, places=True, grouped_up_to=up_to
        )
        assert sorted(row[0] for row in rows) == [r.pk for r in records]
        if not counted:  # more rows than asked to count over
            assert groups is None
            continue
        expected = Counter(
            (facet, value)
            for record in records
            for facet, value in engine.indexed_facets(Organisation, record.pk)
        )
        assert sorted(groups) == sorted((f, v, n) for (f, v), n in expected.items())
    for grouping in ({"grouped_up_to": 5}, {"grouped_by_depth": True}):
        nothing = engine.matching(
            Organisation, engine.never(), 10, places=True, **grouping
        )
        assert nothing == ([], [])


def rows_on_disk(model):
    """PostgreSQL: the pks of a search table in the order of its rows on disk."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT record_id FROM {engine.table(model)} ORDER BY ctid")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: FTS5 keys its rows by their place in name order",
)
def test_a_rebuild_writes_the_rows_in_name_order():
    # Created in the reverse of name order, so the table holds them so at first.
    for n in reversed(range(12)):
        OrganisationFactory(name=f"Disk Union {n:02}")
    in_name_order = engine.indexed_order(Organisation)
    assert rows_on_disk(Organisation) != in_name_order
    rebuild()
    assert rows_on_disk(Organisation) == in_name_order
    assert_in_step(Organisation, Mechanism)


def test_a_sample_is_read_from_its_own_levels_index():
    from django.test.utils import CaptureQueriesContext

    from coopdir.search import plan

    # Records in level 2 and deeper, and as many in none.
    pks = [pk for pk in range(1, 4000) if engine.sample_depth(pk) >= 2][:20]
    pks += [pk for pk in range(1, 4000) if engine.sample_depth(pk) == 0][:20]
    for pk in pks:
        OrganisationFactory(pk=pk, name=f"Sampled Union {pk}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {engine.table(Organisation)}")
    words = engine.compile_query(plan("sampled"))
    with CaptureQueriesContext(connection) as read:
        rows = engine.matching(Organisation, words, 100, places=True, sample=2)
    assert sorted(pk for pk, _place in rows) == sorted(pks[:20])
    sql = read.captured_queries[-1]["sql"]
    if connection.vendor == "sqlite":  # from the table of levels 2 and deeper
        assert f"FROM {engine.sample_table(Organisation)} WHERE" in sql, sql
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan_text = "\n".join(row[0] for row in cursor.fetchall())
    assert f"{engine.table(Organisation)}_sample2" in plan_text, plan_text


def test_migration_0010_indexes_the_samples_apart():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module(
        "coopdir.migrations.0010_search_samples_indexed_apart"
    )
    assert list(migration.LEVELS) == list(range(1, engine.SAMPLE_LEVELS + 1))
    for n in reversed(range(40)):
        OrganisationFactory(name=f"Migrated Union {n:02}")
    pks = list(Organisation.objects.values_list("pk", flat=True))
    assert any(engine.sample_depth(pk) for pk in pks)
    name = engine.table(Organisation)
    postgres = connection.vendor == "postgresql"
    if postgres:
        # As 0009 left them: a tag per sample level, no column, rows as written.
        with connection.cursor() as cursor:
            for model in (Organisation, Mechanism):
                cursor.execute(f"ALTER TABLE {engine.table(model)} DROP COLUMN sample")
            for pk in reversed(pks):  # rewritten against name order
                tags = [f"~sa{level}" for level in engine.sample_levels(pk)]
                cursor.execute(
                    f"UPDATE {name} SET doc = doc || array_to_tsvector(%s::text[])"
                    " WHERE record_id = %s",
                    [tags, pk],
                )
        assert rows_on_disk(Organisation) != engine.indexed_order(Organisation)

    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    editor = SimpleNamespace(connection=connection, execute=execute)
    migration.index_samples_apart(None, editor)
    if postgres:
        with connection.cursor() as cursor:  # no sample tags left
            cursor.execute(
                f"SELECT COUNT(*) FROM {name}, unnest(doc) WHERE lexeme ~ '^~sa'"
            )
            assert cursor.fetchone()[0] == 0
        assert rows_on_disk(Organisation) == engine.indexed_order(Organisation)
    assert_in_step(Organisation)  # each row's sample level among the rest
    importlib.import_module(
        "coopdir.migrations.0012_search_indexes_kept_compact"
    ).compact(None, editor)  # and what the later migrations do
    test_the_migrations_built_the_engine_for_this_database()
    assert len(search(Organisation.objects.all(), "migrated")) == 40


def test_migration_0011_gives_sqlite_a_table_of_the_deeper_samples():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module(
        "coopdir.migrations.0011_search_sqlite_sample_table"
    )
    assert migration.LEVEL == engine.SAMPLE_TABLE_LEVEL
    for n in range(40):
        OrganisationFactory(name=f"Deeper Union {n:02}")
    pks = Organisation.objects.values_list("pk", flat=True)
    assert any(engine.sample_depth(pk) >= migration.LEVEL for pk in pks)
    if connection.vendor == "sqlite":  # as 0010 left it: no such table
        with connection.cursor() as cursor:
            for model in (Organisation, Mechanism):
                cursor.execute(f"DROP TABLE {engine.sample_table(model)}")

    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    editor = SimpleNamespace(connection=connection, execute=execute)
    migration.create(None, editor)
    assert_in_step(Organisation, Mechanism)  # the table holds the deeper levels


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: a server setting"
)
def test_connections_read_ahead_as_configured(settings):
    # Set when the connection opens (the test's own was opened with the default).
    with connection.cursor() as cursor:
        cursor.execute("SHOW effective_io_concurrency")
        assert cursor.fetchone()[0] == str(settings.DATABASE_IO_CONCURRENCY)
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="SQLite only: FTS5 keeps what each write added as a segment",
)
def test_a_rebuild_leaves_each_fts5_table_in_one_segment(monkeypatch):
    from coopdir.search import rebuild as rebuild_module

    # Deep enough in the samples to be in the sample table too; each save indexes
    # its record in a transaction of its own, leaving a segment of its own.
    pks = [pk for pk in range(1, 4000) if engine.sample_depth(pk) >= 2][:6]
    for pk in pks:
        OrganisationFactory(pk=pk, name=f"Segment Union {pk}")
    assert min(engine.segments(Organisation)) > 1
    monkeypatch.setattr(rebuild_module, "CHUNK", 2)  # written in several chunks
    rebuild()
    assert engine.segments(Organisation) == [1, 1]
    assert_in_step(Organisation, Mechanism)
    found = search(Organisation.objects.all(), "segment union")
    assert sorted(record.pk for record in found) == pks


def gin_options():
    """{index: reloptions} of the search tables' GIN indexes (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_am a"
            " ON a.oid = c.relam WHERE a.amname = 'gin'"
            " AND c.relname LIKE 'coopdir_search_%%'"
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: GIN's pending list (FTS5 merges its own segments)",
)
def test_gin_indexes_take_new_entries_at_once_after_migrating_and_rebuilding():
    def buffered():
        return {
            name: options
            for name, options in gin_options().items()
            if "fastupdate=off" not in (options or [])
        }

    # Text of each kind (whole and per sample level) and the words' trigrams.
    assert len(gin_options()) == 2 * (1 + engine.SAMPLE_LEVELS) + 1
    assert buffered() == {}  # as migrated
    OrganisationFactory(name="Pending Union")
    rebuild()
    assert len(gin_options()) == 2 * (1 + engine.SAMPLE_LEVELS) + 1
    assert buffered() == {}  # as a rebuild recreates them
    # So a write is in the index itself: found without a vacuum merging a list.
    OrganisationFactory(name="Pending Cooperative")
    assert [
        r.name for r in search(Organisation.objects.all(), "pending cooperative")
    ] == ["Pending Cooperative"]


def test_migration_0012_keeps_the_indexes_compact():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module(
        "coopdir.migrations.0012_search_indexes_kept_compact"
    )
    assert migration.LEVELS == engine.SAMPLE_LEVELS
    postgres = connection.vendor == "postgresql"
    if postgres:  # as 0011 left them: new entries buffered in a pending list
        assert sorted(migration.gin_indexes()) == sorted(gin_options())
        with connection.cursor() as cursor:
            for index in gin_options():
                cursor.execute(f"ALTER INDEX {index} SET (fastupdate = on)")
        assert not any("fastupdate=off" in (o or []) for o in gin_options().values())
    pks = [pk for pk in range(1, 4000) if engine.sample_depth(pk) >= 2][:4]
    for pk in pks:  # a segment each on SQLite (in the sample table too)
        OrganisationFactory(pk=pk, name=f"Compact Union {pk}")
    if not postgres:
        assert min(engine.segments(Organisation)) > 1
    migration.compact(None, SimpleNamespace(connection=connection))
    if postgres:
        assert all("fastupdate=off" in (o or []) for o in gin_options().values())
    else:
        assert engine.segments(Organisation) == [1, 1]
    assert_in_step(Organisation, Mechanism)
    found = search(Organisation.objects.all(), "compact union")
    assert sorted(record.pk for record in found) == pks


@pytest.mark.parametrize("gap", [None, 2])
def test_a_batch_of_records_is_placed_in_name_order_in_few_queries(gap, monkeypatch):
    """An import indexes its records a batch at a time: their places in name order
    among the records there are cost the same few queries for 5 records or 60
    (records sharing a name included); where the gap between two neighbours is
    too narrow (gap 2), the records there are placed one by one, making room."""
    from django.test.utils import CaptureQueriesContext

    from coopdir.search.signals import suspended

    if gap:
        monkeypatch.setattr(engine, "GAP", gap)
    for name in ("Alpha", "Delta", "Kappa", "Omega"):
        OrganisationFactory(name=name)
    counts = []
    for count in (5, 60):
        with suspended():  # written as an import writes: indexed afterwards
            batch = [
                Organisation.objects.create(
                    name=f"{'BDKZ'[n % 4]}eta {n // 7}", slug=f"b{count}-{n}"
                )
                for n in range(count)
            ]
        with CaptureQueriesContext(connection) as captured:
            engine.index_records(Organisation, [o.pk for o in batch])
        counts.append(len(captured))
        assert_in_step(Organisation)
    if not gap:
        assert counts[1] - counts[0] <= 2  # neighbours are read 90 records a query
    # Renamed records move; the others keep their place.
    with suspended():
        Organisation.objects.filter(name__startswith="Beta").update(name="Zulu")
    moved = Organisation.objects.filter(name__in=["Zulu", "Alpha"])
    engine.index_records(Organisation, list(moved.values_list("pk", flat=True)))
    assert_in_step(Organisation)
