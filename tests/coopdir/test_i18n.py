import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

from tests.pages import build_directory

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# %(name)s, %(size).1f, %(byte)02x …: what Python's % operator fills in.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


@pytest.fixture
def directory(db):
    return build_directory()


def chinese(client, path):
    return client.get(f"/zh-hans{path}", HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9")


def english(client, path):
    return client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")


def test_it_shows_the_home_page_in_chinese_at_its_chinese_address(client, directory):
    response = chinese(client, "/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "跳到正文" in body  # Skip to content
    assert ">组织机构</a>" in body  # the Organisations link in the header
    assert "4 个组织" in body and "2 个工作机制" in body  # plural forms
    assert "按行业浏览" in body and "最近更新" in body
    assert "Browse by sector" not in body and "Recently updated" not in body
    assert 'href="/zh-hans/organisations/"' in body  # links stay in Chinese


@pytest.mark.parametrize("header", ["zh-CN,zh;q=0.9,en;q=0.8", "zh", "en"])
def test_the_address_alone_decides_the_language(client, db, header):
    english_page = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert '<html lang="en">' in english_page.content.decode()
    chinese_page = client.get("/zh-hans/", HTTP_ACCEPT_LANGUAGE=header)
    assert '<html lang="zh-hans">' in chinese_page.content.decode()
    for response in (english_page, chinese_page):
        assert "Accept-Language" not in response.get("Vary", "")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_it_shows_an_organisation_list_in_chinese(client, directory):
    body = chinese(client, "/organisations/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<h1>组织机构</h1>" in body
    assert "搜索组织" in body and "排序方式" in body and "缩小结果范围" in body
    assert "4 条结果" in body
    assert "商会" in body  # a kind's display name, from the model's choices
    assert "Search organisations" not in body and "Sort by" not in body


def test_it_shows_an_organisation_page_in_chinese(client, directory):
    body = chinese(client, "/organisations/acfsmc/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "最高机构" in body  # kind: Apex body
    assert "成员与所属组织" in body and "关键数据" in body and "组织结构" in body
    assert "区域办事处" in body  # the office's relation to its parent
    assert "中华全国供销合作总社" in body
    assert "Key figures" not in body and "Members and memberships" not in body


def test_it_shows_the_same_pages_in_english_to_an_english_browser(client, directory):
    home = english(client, "/").content.decode()
    listing = english(client, "/organisations/").content.decode()
    page = english(client, "/organisations/acfsmc/").content.decode()
    for body in (home, listing, page):
        assert '<html lang="en">' in body
        assert "Skip to content" in body and "跳到正文" not in body
    assert "4 organisations" in home and "Browse by sector" in home
    assert "<h1>Organisations</h1>" in listing and "Sort by" in listing
    assert "Key figures" in page and "Apex body" in page and "关键数据" not in page


def test_it_shows_the_not_found_page_in_chinese(client, db):
    response = chinese(client, "/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="zh-hans">' in body and "页面不存在" in body
    assert '<a href="/" hreflang="en" lang="en">English</a>' in body


def test_it_shows_the_error_page_in_chinese(rf):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    with translation.override("zh-hans"):
        body = server_error(request).content.decode()
    assert '<html lang="zh-hans">' in body and "出错了" in body


def test_the_language_switch_is_a_link_that_keeps_the_page_and_its_filters(
    client, directory
):
    body = english(client, "/organisations/?country=FI&ordering=name").content.decode()
    switch = re.search(r'<ul class="lang-switch".*?</ul>', body, re.S).group(0)
    assert "<form" not in switch and "<select" not in switch
    assert (
        '<a href="/zh-hans/organisations/?country=FI&amp;ordering=name" '
        'hreflang="zh-hans" lang="zh-hans">简体中文</a>' in switch
    )
    assert '<span aria-current="true" lang="en">English</span>' in switch

    body = chinese(client, "/organisations/acfsmc/?x=1").content.decode()
    assert '<a href="/organisations/acfsmc/?x=1" hreflang="en" lang="en">' in body


def test_every_page_names_its_twin_in_the_other_language(client, directory):
    body = english(client, "/sectors/agriculture/").content.decode()
    assert (
        '<link rel="alternate" hreflang="en" '
        'href="http://testserver/sectors/agriculture/">' in body
    )
    assert (
        '<link rel="alternate" hreflang="zh-hans" '
        'href="http://testserver/zh-hans/sectors/agriculture/">' in body
    )
    assert (
        '<link rel="alternate" hreflang="x-default" '
        'href="http://testserver/sectors/agriculture/">' in body
    )
    chinese_body = chinese(client, "/sectors/agriculture/").content.decode()
    assert (
        '<link rel="canonical" '
        'href="http://testserver/zh-hans/sectors/agriculture/">' in chinese_body
    )


PUBLIC_PAGES = [
    "/",
    "/organisations/",
    "/organisations/?country=FI",
    "/organisations/acfsmc/",
    "/mechanisms/",
    "/search/?q=china",
    "/countries/",
    "/countries/CN/",
    "/sectors/",
    "/sectors/agriculture/",
]


@pytest.mark.parametrize("prefix", ["", "/zh-hans"])
def test_public_pages_carry_no_cookie_and_may_be_kept_by_a_shared_cache(
    directory, prefix
):
    client = Client()
    paths = [*PUBLIC_PAGES, directory.council.get_absolute_url()]
    for path in paths:
        path = path if path.startswith(prefix or "/") else prefix + path
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == 200, path
        assert not response.cookies, (path, response.cookies)
        assert "Cookie" not in response.get("Vary", ""), path
        assert "csrfmiddlewaretoken" not in body and 'method="post"' not in body
        control = response["Cache-Control"]
        assert "public" in control and "max-age=" in control, path
        assert "private" not in control and "no-store" not in control


def test_staff_pages_are_not_kept_by_a_shared_cache(client, directory, staff_user):
    client.force_login(staff_user)
    response = client.get("/organisations/acfsmc/")
    assert response.status_code == 200
    assert "public" not in response.get("Cache-Control", "")
    assert "Cookie" in response["Vary"]


def read_po(path):
    """Return the .po's entries as dicts: msgid, msgid_plural, msgstr[...], flags."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry = field = None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, value = line.split(" ", 1)
            entry[field] = ast.literal_eval(value)
    return [e for e in entries if e.get("msgid")]


def translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_the_parser_reads_the_catalogue():
    entries = read_po(PO_FILE)
    by_id = {entry["msgid"]: entry for entry in entries}
    assert len(entries) > 400
    assert by_id["Organisations"]["msgstr"] == "组织机构"
    assert by_id["%(n)s organisation"]["msgstr[0]"] == "%(n)s 个组织"


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(PO_FILE)
    untranslated = [e["msgid"] for e in entries if not all(translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_every_translation_keeps_the_placeholders_of_its_message():
    wrong = []
    for entry in read_po(PO_FILE):
        wanted = sorted(set(PLACEHOLDER.findall(entry["msgid"])))
        for text in translations(entry):
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                wrong.append((entry["msgid"], text))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file():
    """A .po edited without `make messages` leaves a stale .mo: this catches it."""
    assert MO_FILE.exists()
    stale = []
    with translation.override("zh-hans"):
        for entry in read_po(PO_FILE):
            if "msgid_plural" in entry:
                shown = translation.ngettext(entry["msgid"], entry["msgid_plural"], 2)
                wanted = entry["msgstr[0]"]
            else:
                shown, wanted = translation.gettext(entry["msgid"]), entry["msgstr"]
            if shown != wanted:
                stale.append((entry["msgid"], shown, wanted))
    assert stale == []
