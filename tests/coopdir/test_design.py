"""The site's frame: one search box a page, breadcrumbs below home, the mark, the
branded admin."""

import re
from html.parser import HTMLParser

import pytest

from tests.pages import build_directory

pytestmark = pytest.mark.django_db

PAGES_BELOW_HOME = {
    # path: the breadcrumb trail after "Home", the last being the page itself
    "/organisations/": ["Organisations"],
    "/organisations/?country=FI&sector=machinery": ["Organisations"],
    "/organisations/cccme/": ["Organisations", "CCCME"],
    "/organisations/acfsmc-europe/": [
        "Organisations",
        "ACFSMC",
        "ACFSMC Regional Office Europe",
    ],
    "/mechanisms/": ["Mechanisms"],
    "/mechanisms/innovation-group/": [
        "Mechanisms",
        "China-Finland Business Council",
        "Innovation Working Group",
    ],
    "/search/?q=China": ["Search"],
    "/countries/": ["Countries"],
    "/countries/FI/": ["Countries", "Finland"],
    "/sectors/": ["Sectors"],
    "/sectors/machinery/": ["Sectors", "Machinery and electronics"],
    "/no-such-page/": ["Page not found"],
    "/zh-hans/countries/FI/": ["国家", "芬兰"],
}


@pytest.fixture
def directory():
    return build_directory()


class Breadcrumbs(HTMLParser):
    """Collect the BreadcrumbList's items: (name, href or None, position, current)."""

    def __init__(self):
        super().__init__()
        self.items, self.depth, self.in_name, self.lists = [], 0, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("itemtype") == "https://schema.org/BreadcrumbList":
            self.lists += 1
        if attrs.get("itemtype") == "https://schema.org/ListItem":
            self.items.append({"name": "", "href": None, "position": None})
        if not self.items:
            return
        if attrs.get("itemprop") == "item":
            self.items[-1]["href"] = attrs["href"]
        if attrs.get("itemprop") == "name":
            self.items[-1]["current"] = attrs.get("aria-current") == "page"
            self.in_name = 1
        elif self.in_name and tag not in ("meta", "br"):
            self.in_name += 1
        if attrs.get("itemprop") == "position":
            self.items[-1]["position"] = int(attrs["content"])

    def handle_endtag(self, tag):
        if self.in_name:
            self.in_name -= 1

    def handle_data(self, data):
        if self.in_name:
            self.items[-1]["name"] += data


def breadcrumbs(body):
    parser = Breadcrumbs()
    parser.feed(body)
    return parser


@pytest.mark.parametrize("path", PAGES_BELOW_HOME)
def test_pages_below_home_have_breadcrumbs_as_a_breadcrumb_list(
    client, directory, path
):
    response = client.get(path)
    found = breadcrumbs(response.content.decode())
    assert found.lists == 1
    home = "/zh-hans/" if path.startswith("/zh-hans/") else "/"
    names = [item["name"].strip() for item in found.items]
    assert names == [("首页" if home != "/" else "Home"), *PAGES_BELOW_HOME[path]]
    assert [item["position"] for item in found.items] == list(range(1, len(names) + 1))
    assert found.items[0]["href"] == home
    # Every crumb but the page itself is a link; the page is marked current.
    assert all(item["href"] for item in found.items[:-1])
    assert found.items[-1]["href"] is None and found.items[-1]["current"]


def test_the_home_page_has_no_breadcrumbs(client, directory):
    assert breadcrumbs(client.get("/").content.decode()).items == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/organisations/",
        "/organisations/?country=FI",
        "/mechanisms/",
        "/search/?q=China",
        "/organisations/cccme/",
        "/mechanisms/china-finland/",
        "/countries/",
        "/countries/FI/",
        "/sectors/machinery/",
        "/no-such-page/",
        "/zh-hans/organisations/",
    ],
)
def test_every_page_has_exactly_one_search_box(client, directory, path):
    body = client.get(path).content.decode()
    assert len(re.findall(r'<input[^>]*type="search"', body)) == 1
    assert body.count('role="search"') == 1


def test_a_list_page_keeps_its_own_filtered_search_not_the_header_one(
    client, directory
):
    body = client.get("/organisations/?country=FI").content.decode()
    assert 'id="header-q"' not in body
    form = re.search(r'<form class="search-form"[^>]*>.*?</form>', body, re.S)
    assert 'action="/organisations/"' in form.group(0)
    assert 'name="country" value="FI"' in form.group(0)
    # A record's page has the header's box, which searches the whole directory.
    body = client.get("/organisations/cccme/").content.decode()
    assert re.search(r'<form class="header-search"[^>]*action="/search/"', body)


def test_the_mark_is_in_the_header_and_the_favicon_of_the_same_family(
    client, directory
):
    from django.conf import settings

    body = client.get("/").content.decode()
    assert '<img class="brand-mark" src="/static/img/mark.svg" alt=""' in body
    assert 'rel="icon" href="/static/favicon.svg"' in body
    static = settings.BASE_DIR / "static"
    mark = (static / "img" / "mark.svg").read_text()
    favicon = (static / "favicon.svg").read_text()
    # The same tile and rings: the favicon is the mark at 16–32 px.
    for colour in ("#0a3a63", "#f0a532", "#fff"):
        assert colour in mark and colour in favicon


def test_the_admin_is_branded_coopdir(client, superuser):
    login = client.get("/admin/login/").content.decode()
    assert "Django administration" not in login and "Django site admin" not in login
    assert '<div id="site-name">' in login and "coopdir" in login
    assert "/static/css/admin/coopdir.css" in login
    assert "/static/img/mark.svg" in login
    client.force_login(superuser)
    index = client.get("/admin/").content.decode()
    assert "<title>Directory administration | coopdir admin</title>" in index
    assert "<h1>Directory administration</h1>" in index
