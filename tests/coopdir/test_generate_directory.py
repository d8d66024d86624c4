"""generate_directory: deterministic, realistic, indexed, refuses to mix runs."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from coopdir.search import search
from mechanisms.models import Mechanism, Secretariat
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def snapshot():
    return [
        (
            o.slug,
            o.name,
            o.native_name,
            o.kind,
            str(o.hq_country),
            o.parent.slug if o.parent else "",
            sorted(s.slug for s in o.sectors.all()),
            sorted(str(c.country) for c in o.countries.all()),
            sorted(n.name for n in o.other_names.all()),
            [str(f.value) for f in o.key_figures.all()],
        )
        for o in Organisation.objects.order_by("slug").prefetch_related(
            "sectors", "countries", "other_names", "key_figures"
        )
    ] + [
        (m.slug, m.name, sorted(str(c.country) for c in m.countries.all()))
        for m in Mechanism.objects.order_by("slug").prefetch_related("countries")
    ]


def generate(seed, replace=False):
    call_command(
        "generate_directory",
        organisations=60,
        mechanisms=6,
        seed=seed,
        replace=replace,
        verbosity=0,
    )


def test_the_same_seed_gives_the_same_directory():
    generate(7)
    first = snapshot()
    generate(7, replace=True)
    assert snapshot() == first
    generate(8, replace=True)
    assert snapshot() != first
    assert Organisation.objects.count() == 60
    assert Mechanism.objects.count() == 6


def test_it_generates_a_realistic_indexed_directory():
    generate(1)
    organisations = Organisation.objects.all()
    assert organisations.exclude(native_name="").exists()
    assert organisations.filter(native_name__regex=r"[\u4e00-\u9fff]").exists()
    assert len(set(organisations.values_list("hq_country", flat=True))) > 5
    assert organisations.filter(parent__isnull=False).exists()
    assert Secretariat.objects.count() == 12
    # China is the most frequent country (the skew), and everything is searchable.
    assert organisations.filter(hq_country="CN").count() > 60 / 20
    chinese = organisations.filter(hq_country="CN").first()
    assert chinese in search(Organisation.objects.all(), chinese.native_name[:4])
    best = search(Organisation.objects.all(), chinese.name).first()
    assert (best.name, best.search_rank) == (chinese.name, 4)


def test_it_refuses_to_mix_two_runs_without_replace():
    generate(1)
    with pytest.raises(CommandError, match="--replace"):
        generate(1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite has no hint bits nor visibility map to set",
)
def test_generated_tables_are_vacuumed_and_analyzed():
    def last_done():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables"
                " WHERE relname = ANY(%s)",
                [TABLES],
            )
            return {name: (vacuumed, analyzed) for name, vacuumed, analyzed in cursor}

    before = last_done()
    generate(3)
    after = last_done()
    for table in TABLES:
        vacuumed, analyzed = after[table]
        assert vacuumed and analyzed, table
        earlier, _ = before.get(table, (None, None))
        assert earlier is None or vacuumed > earlier, table


TABLES = [
    "organisations_organisation",
    "organisations_organisation_sectors",
    "organisations_organisationcountry",
    "mechanisms_mechanism",
]
