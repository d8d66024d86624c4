"""The facet toggle URLs of the list pages (organisations/listing.py)."""

import pytest
from django.http import QueryDict

from organisations.listing import toggle_urls, url_with


def one_by_one(params, key, value):
    """The toggle URL made the plain way: url_with on a copy of the whole query."""
    values = params.getlist(key)
    if value in values:
        return url_with(params, **{key: [v for v in values if v != value] or None})
    return url_with(params, **{key: [*values, value]})


@pytest.mark.parametrize(
    "query",
    [
        "",
        "country=FI",
        "country=FI&country=SE",
        "q=coop&country=FI&sector=agriculture&page=3",
        "page=2&sector=banking&q=银行 合作&ordering=name",
        "q=a%26b%3Dc&kind=federation",
    ],
)
@pytest.mark.parametrize("key", ["country", "sector", "kind"])
def test_toggle_urls_are_those_url_with_makes_one_by_one(query, key):
    params = QueryDict(query, mutable=True)
    values = ["FI", "SE", "CN", "agriculture", "banking", "federation", "中国"]
    urls = toggle_urls(params, key, values)
    assert urls == {value: one_by_one(params, key, value) for value in values}
