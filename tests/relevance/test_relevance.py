"""The judged query set on the seed data: MRR and recall@10 stay at or above the
floors committed in docs/relevance.md (`make relevance` prints the table)."""

import pytest

from . import judge

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture(scope="module")
def judged_queries():
    return judge.load_queries()


def test_the_judged_set_is_large_and_names_real_records(judged_queries):
    from mechanisms.models import Mechanism
    from organisations.models import Organisation

    slugs = {*Organisation.objects.values_list("slug", flat=True)}
    slugs |= {*Mechanism.objects.values_list("slug", flat=True)}
    assert len(judged_queries) >= 60
    assert {q.group for q in judged_queries} >= {
        "names",
        "acronyms",
        "chinese",
        "pinyin",
        "typos",
        "plurals",
        "countries",
        "sectors",
    }
    unknown = {s for q in judged_queries for s in q.wanted if s not in slugs}
    assert not unknown and all(q.wanted for q in judged_queries)


def test_search_keeps_its_relevance_on_the_judged_set(judged_queries):
    results = judge.figures(judge.run(judged_queries))
    print("\n" + judge.table(results))
    print("\n".join(["", "Short of their judgement:", *judge.misses(judged_queries)]))
    floors = judge.floors()
    assert "overall" in floors
    below = {
        group: (round(mrr, 3), round(recall, 3), floors[group])
        for group, (_n, mrr, recall, _top3) in results.items()
        if group in floors
        and (round(mrr, 3) < floors[group][0] or round(recall, 3) < floors[group][1])
    }
    assert not below, f"below the floors of docs/relevance.md: {below}"
