"""Never a dead end: every word of every seed record's name, typed alone, finds
records, or finds none with a notice saying what to do (issue #20's target)."""

import re

import pytest
from rest_framework.test import APIClient

from mechanisms.models import Mechanism
from organisations.models import Organisation

pytestmark = pytest.mark.usefixtures("seeded")


def name_words():
    words = set()
    for model in (Organisation, Mechanism):
        for name, acronym in model.objects.published().values_list("name", "acronym"):
            words |= {w for w in re.split(r"[\s,;:()“”\"/]+", f"{name} {acronym}") if w}
    return sorted(words, key=str.casefold)


def test_every_word_of_a_seed_name_alone_finds_records_or_says_why():
    words = name_words()
    assert len(words) > 100, "the seed has names"
    api, dead_ends = APIClient(), []
    for word in words:
        answer = api.get("/api/v1/search/", {"q": word})
        assert answer.status_code == 200, (word, answer.content[:200])
        body = answer.json()
        if not body["count"] and not body["notices"]:
            dead_ends.append(word)
    assert not dead_ends, f"0 results and no notice for: {dead_ends}"
