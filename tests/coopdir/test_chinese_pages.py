"""A Chinese page is in Chinese: English shows only where marked as English."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from mechanisms.models import Mechanism
from organisations.models import Organisation, Sector

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "source", "track", "wbr",
}  # fmt: skip
# Attributes a reader hears or sees.
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")


class UnmarkedLatin(HTMLParser):
    """Collect Latin words of 3+ letters outside elements marked lang="en" (or
    another language but Chinese) or translate="no", and outside script, style
    and head."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, exempt)
        self.found = []

    @property
    def exempt(self):
        return any(exempt for _tag, exempt in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").lower()
        # English marked as English; a name in its own language (Italian, Finnish)
        # marked as that language is as honest.
        exempt = (
            tag in ("script", "style", "head", "svg")
            or bool(lang and not lang.startswith("zh"))
            or attrs.get("translate") == "no"
        )
        if not (self.exempt or exempt):
            for name in READ_ATTRIBUTES:
                self.found += LATIN_WORD.findall(attrs.get(name) or "")
        if tag not in VOID:
            self.stack.append((tag, exempt))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.exempt:
            self.found += [
                (word, data.strip()[:80]) for word in LATIN_WORD.findall(data)
            ]


def unmarked_latin(html):
    parser = UnmarkedLatin()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_unmarked_english_and_spares_marked_english():
    html = (
        '<html lang="zh-hans"><head><title>Title</title></head><body>'
        '<p>中文 <span lang="en">China Co-op <b>bold</b></span> 文字</p>'
        '<p translate="no">CCCME</p><img alt="中文"><br>'
        '<p lang="it">Confindustria</p><p lang="zh-Hans">中文 Latin</p>'
        '<p>组织 Organisations</p><input placeholder="Search"></body></html>'
    )
    assert [w[0] if isinstance(w, tuple) else w for w in unmarked_latin(html)] == [
        "Latin",
        "Organisations",
        "Search",
    ]


def seed_pages():
    pages = [
        "/",
        "/organisations/",
        "/organisations/?country=DE",
        "/mechanisms/",
        "/search/?q=%E5%90%88%E4%BD%9C",  # 合作
        "/search/?q=cooperative",
        "/countries/",
        "/sectors/",
    ]
    pages += [f"/countries/{code}/" for code in ("CN", "DE", "FI", "IT")]
    pages += [s.get_absolute_url() for s in Sector.objects.all()]
    pages += [o.get_absolute_url() for o in Organisation.objects.published()]
    pages += [m.get_absolute_url() for m in Mechanism.objects.published()]
    return pages


@pytest.mark.django_db
def test_chinese_pages_show_english_only_where_marked(seeded):
    client = Client()
    offenders = {}
    for path in seed_pages():
        path = path if path.startswith("/zh-hans/") else f"/zh-hans{path}"
        response = client.get(path)
        assert response.status_code == 200, path
        found = unmarked_latin(response.content.decode())
        if found:
            offenders[path] = found[:8]
    assert offenders == {}


@pytest.mark.django_db
def test_a_chinese_page_names_things_in_chinese(seeded):
    client = Client()
    home = client.get("/zh-hans/").content.decode()
    assert '<a href="/zh-hans/sectors/agriculture/" lang="zh-Hans">农业</a>' in home
    page = client.get("/zh-hans/organisations/acfsmc/").content.decode()
    # The Chinese name is the title, the English one beside it.
    assert re.search(
        r'<h1><span lang="zh-Hans">中华全国供销合作总社</span> '
        r'<span class="name-beside" lang="en">All-China Federation',
        page,
    )
    assert "5,300,000,000,000 元" in page and "1 个机构" in page
    listing = client.get("/zh-hans/organisations/?country=DE").content.decode()
    assert ">德国<" in listing
    sector = client.get("/zh-hans/sectors/agriculture/").content.decode()
    assert '<h1><span lang="zh-Hans">农业</span>' in sector


@pytest.mark.django_db
def test_an_english_page_writes_units_for_people(seeded):
    page = Client().get("/organisations/acfsmc/").content.decode()
    assert "5,300,000,000,000 CNY" in page
    assert "1 body<" in page and "1 bodies" not in page and "14 bodies" in page


WORKING_NOTES = [
    "seed text",
    "does not give its own name",
    "does not say whether it is a committee",
    "names no member state",
    "does not name them) to",
    "the source does not name them",
    "The source calls him",
    "read literally",
]


@pytest.mark.django_db
def test_notes_for_editors_stay_in_the_admin(seeded, superuser):
    client = Client()
    for path in [*seed_pages(), "/api/v1/organisations/ica-gso-banking/"]:
        body = client.get(path).content.decode()
        found = [note for note in WORKING_NOTES if note in body]
        assert found == [], path
    gso = Organisation.objects.get(slug="ica-gso-banking")
    assert gso.editor_notes == "The source does not give its own name."
    client.force_login(superuser)
    form = client.get(f"/admin/organisations/organisation/{gso.pk}/change/")
    assert "The source does not give its own name." in form.content.decode()
