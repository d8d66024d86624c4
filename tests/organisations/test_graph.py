"""The relation graph on organisation and mechanism pages: each node a link, the
same relations as sentences beside it, only what the visitor may see."""

import re

import pytest

from organisations.graph import WIDTH, text_width, wrap
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
)

pytestmark = pytest.mark.django_db


def section(html):
    match = re.search(r'<section class="relations".*?</section>', html, re.S)
    return match.group(0) if match else ""


def node_links(html):
    """Return {group key: [href, …]} of the drawing's linked nodes."""
    groups = {}
    svg = re.search(r"<svg class=\"relation-graph\".*?</svg>", html, re.S).group(0)
    for key, body in re.findall(r'<g class="group group-(\w+)">(.*?)</g>', svg, re.S):
        groups[key] = re.findall(r'<a class="node[^"]*" href="([^"]+)"', body)
    parent = re.findall(r'<a class="node node-parent" href="([^"]+)"', svg)
    if parent:
        groups["parent"] = parent
    return groups


def sentences(html):
    items = re.findall(r"<li>(.*?)</li>", section(html).split("relation-sentences")[1])
    return [re.sub(r"<[^>]+>", "", item) for item in items]


def test_the_acfsmc_graph_links_its_parts_and_says_so(client, seeded):
    html = client.get("/organisations/acfsmc/").content.decode()
    assert node_links(section(html)) == {
        "children": [
            "/organisations/acfsmc-council/",
            "/organisations/china-supply-marketing-group/",
            "/organisations/acfsmc-supervisory-board/",
        ]
    }
    assert sentences(html) == [
        "All-China Federation of Supply and Marketing Cooperatives is the parent of "
        "Council of the All-China Federation of Supply and Marketing Cooperatives, "
        "China Supply and Marketing Group and Supervisory Board of the All-China "
        "Federation of Supply and Marketing Cooperatives."
    ]
    # The drawing repeats the sentences: hidden from screen readers, its links
    # out of the tab order.
    assert 'aria-hidden="true"' in section(html).split("<svg")[1].split(">")[0]
    assert 'href="/organisations/acfsmc-council/" tabindex="-1"' in html


def test_a_child_shows_its_parent_above_it(client, seeded):
    html = client.get("/organisations/acfsmc-council/").content.decode()
    assert node_links(section(html)) == {"parent": ["/organisations/acfsmc/"]}
    assert sentences(html)[0].endswith(
        "is part of All-China Federation of Supply and Marketing Cooperatives."
    )


def test_cccme_hosts_secretariats_and_works_with_partner_countries(client, seeded):
    html = client.get("/organisations/cccme/").content.decode()
    links = node_links(section(html))
    assert "/mechanisms/bfic/" in links["hosted"]
    assert len(links["hosted"]) == 7
    # Its mechanisms' countries other than its own (China).
    assert links["countries"] == [
        "/countries/FI/",
        "/countries/DE/",
        "/countries/IT/",
        "/countries/RU/",
        "/countries/US/",
    ]
    assert sentences(html)[-1] == (
        "Through these mechanisms China Chamber of Commerce for Import and Export of "
        "Machinery and Electronic Products works with partners in Finland, Germany, "
        "Italy, Russia and United States of America."
    )


def test_the_chinese_page_names_and_joins_in_chinese(client, seeded):
    html = client.get("/zh-hans/organisations/cccme/").content.decode()
    last = sentences(html)[-1]
    assert last.startswith("通过这些机制，中国机电产品进出口商会与")
    assert "、" in last and "和" in last and last.endswith("的伙伴合作。")
    assert ">关系</h2>" in html


def test_a_mechanism_graph_shows_hosts_participants_and_countries(client, seeded):
    html = client.get("/mechanisms/bfic/").content.decode()
    links = node_links(section(html))
    assert set(links["hosted"]) == {
        "/organisations/cccme/",
        "/organisations/ice/",
        "/organisations/confindustria/",
    }
    assert "/organisations/bank-of-china/" in links["joined"]
    assert not set(links["joined"]) & set(links["hosted"])
    assert set(links["countries"]) == {"/countries/CN/", "/countries/IT/"}
    text = " ".join(sentences(html))
    assert "The secretariats of Business Forum of China-Italy are hosted by" in text


def test_a_working_group_links_its_parent_mechanism(client, seeded):
    html = client.get("/mechanisms/china-california-jwg/").content.decode()
    assert node_links(section(html))["parent"] == ["/mechanisms/china-us-jwg/"]
    parent = client.get("/mechanisms/china-us-jwg/").content.decode()
    assert set(node_links(section(parent))["children"]) == {
        "/mechanisms/china-california-jwg/",
        "/mechanisms/china-michigan-jwg/",
    }


def test_a_draft_is_neither_node_nor_sentence(client):
    host = OrganisationFactory(slug="host", status="published")
    shown = MechanismFactory(slug="shown", status="published", countries=["FR"])
    hidden = MechanismFactory(slug="hidden", status="draft", countries=["JP"])
    SecretariatFactory(mechanism=shown, organisation=host)
    ParticipantFactory(mechanism=hidden, organisation=host)
    html = client.get("/organisations/host/").content.decode()
    assert node_links(section(html)) == {
        "hosted": ["/mechanisms/shown/"],
        "countries": ["/countries/FR/"],
    }
    assert "/mechanisms/hidden/" not in html and "Japan" not in section(html)


def test_a_lone_record_has_no_graph(client):
    OrganisationFactory(slug="alone", status="published")
    html = client.get("/organisations/alone/").content.decode()
    assert section(html) == ""


def test_long_names_wrap_to_two_lines_that_fit_their_box():
    name = "China Chamber of Commerce for Import and Export of Machinery and " * 2
    lines = wrap(name.strip(), WIDTH - 64)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(text_width(line) <= WIDTH - 64 for line in lines)
    chinese = "中国机电产品进出口商会" * 3
    assert wrap(chinese, 100) == ["中国机电产品进", "出口商会中国机…"]


def test_a_group_past_twelve_nodes_ends_in_a_link_to_the_sentences(client):
    parent = OrganisationFactory(slug="big", status="published")
    for n in range(15):
        OrganisationFactory(slug=f"part-{n}", parent=parent, status="published")
    html = client.get("/organisations/big/").content.decode()
    links = node_links(section(html))["children"]
    assert len(links) == 13 and links[-1] == "#relations-sentences"
    assert "and 3 more" in section(html)
    listed = section(html).split("relation-sentences")[1]
    assert len(re.findall(r'href="/organisations/part-', listed)) == 15
