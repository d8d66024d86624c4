"""The shipped seed data holds every fact of both seed texts, exactly."""

import importlib.util
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from mechanisms.models import (
    Mechanism,
    MechanismCountry,
    MechanismFigure,
    Participant,
    Secretariat,
)
from organisations.models import (
    Duty,
    KeyFigure,
    Membership,
    Organisation,
    OrganisationCountry,
    Source,
    Status,
)

pytestmark = pytest.mark.usefixtures("seeded")

FIXTURES = settings.BASE_DIR / "fixtures"

# The only addresses the seed may cite: the bodies' own homepages.
KNOWN_HOMEPAGES = {
    "http://www.chinacoop.gov.cn/",
    "https://www.ica.coop/",
    "https://www.ccpit.org/",
    "https://www.cccme.org.cn/",
    "http://www.mofcom.gov.cn/",
    "https://www.boc.cn/",
    "https://www.huawei.com/",
    "https://www.pirelli.com/",
    "https://www.bie-paris.org/",
    "https://www.ice.it/",
    "https://www.confindustria.it/",
    "https://ek.fi/",
    "https://www.businessfinland.fi/",
    "https://tem.fi/",
}

# label: (value in yuan, change % year on year, label of its "among them" total)
ACFSMC_2020 = {
    "Aggregate turnover": ("5300000000000", "14.2", None),
    "Sales in the agricultural production materials sector": (
        "866710000000",
        None,
        "Aggregate turnover",
    ),
    "Sales in the agricultural products sector": (
        "222053000000",
        None,
        "Aggregate turnover",
    ),
    "Retail sales of consumer goods": ("182345000000", None, "Aggregate turnover"),
    "Sales of renewable resources": ("282400000000", None, "Aggregate turnover"),
    "System-wide commodity trading (wholesale) turnover": (
        "1045990000000",
        "10.7",
        None,
    ),
    "Turnover of agricultural and sideline products": (
        "900270000000",
        None,
        "System-wide commodity trading (wholesale) turnover",
    ),
    "Turnover of the renewable resources market": (
        "76850000000",
        None,
        "System-wide commodity trading (wholesale) turnover",
    ),
    "System-wide chain operation sales": ("103461000000", "14", None),
    "Total import and export of commodities": ("89340000000", "23.1", None),
    "Imports": ("51810000000", None, "Total import and export of commodities"),
    "Exports": ("37540000000", None, "Total import and export of commodities"),
    "Agricultural products purchased from agricultural producers": (
        "1613320000000",
        None,
        None,
    ),
    "Income from agricultural production services": ("21600000000", None, None),
    "Turnover of financial services": ("98760000000", None, None),
    "Turnover of the residential and living services sector": (
        "35000000000",
        None,
        None,
    ),
    "Turnover of the logistics sector": ("11630000000", None, None),
    "Turnover of assets": ("17400000000", None, None),
}


def org(slug):
    return Organisation.objects.get(slug=slug)


def mechanism(slug):
    return Mechanism.objects.get(slug=slug)


def test_it_records_every_acfsmc_2020_figure_at_full_magnitude():
    figures = {
        f.label: f
        for f in KeyFigure.objects.filter(organisation__slug="acfsmc", year=2020)
    }
    assert set(figures) == set(ACFSMC_2020)
    for label, (value, change, parent) in ACFSMC_2020.items():
        figure = figures[label]
        assert figure.value == Decimal(value), label
        assert figure.change_pct == (Decimal(change) if change else None), label
        assert (figure.parent.label if figure.parent else None) == parent, label
        assert figure.unit == "CNY"
        assert figure.qualifier == "exact"
        assert "China Co-op system" in figure.scope


def test_it_keeps_the_among_them_parts_below_their_totals():
    turnover = KeyFigure.objects.get(label="Aggregate turnover")
    parts = turnover.parts.order_by("position")
    assert [p.segment for p in parts] == [
        "Agricultural production materials",
        "Agricultural products",
        "Retail sales of consumer goods",
        "Renewable resources",
    ]
    assert sum(p.value for p in parts) < turnover.value
    trade = KeyFigure.objects.get(label="Total import and export of commodities")
    # The source's parts (51.81 + 37.54 billion) sum to 0.01 billion over its total.
    assert sum(p.value for p in trade.parts.all()) - trade.value == 10_000_000
    assert "89.35 billion" in trade.note


def test_it_records_the_acfsmc_structure():
    acfsmc = org("acfsmc")
    assert acfsmc.native_name == "中华全国供销合作总社"
    assert acfsmc.native_language == "zh-Hans"
    assert "Director of the Council" in acfsmc.governance
    assert acfsmc.other_names.filter(name="China Co-op", kind="alias").exists()
    children = {c.slug: c.relation_to_parent for c in acfsmc.children.all()}
    assert children == {
        "acfsmc-council": "council_body",
        "acfsmc-supervisory-board": "supervisory_body",
        "china-supply-marketing-group": "subsidiary",
    }
    counts = {(f.label, f.value) for f in acfsmc.key_figures.filter(period="current")}
    assert counts == {
        ("Bodies within the Council", 14),
        ("Bodies within the Supervisory Board", 1),
        ("Directly subordinate institutions", 15),
        ("Competent associations", 14),
    }
    group = org("china-supply-marketing-group")
    assert group.key_figures.get(metric="subsidiaries").value == 11


def test_it_records_the_ica_and_its_structure():
    ica = org("ica")
    assert ica.founded_year == 1895
    assert set(
        Organisation.objects.filter(kind="apex_body").values_list("slug", flat=True)
    ) == {"acfsmc", "ica"}
    relations = list(ica.children.values_list("relation_to_parent", flat=True))
    assert relations.count("global_office") == 1
    assert relations.count("regional_office") == 4
    assert relations.count("sectoral_organisation") == 8
    assert relations.count("committee_network") == 5
    assert org("ica-global-office").hq_city == "Brussels"
    served = {
        o.slug: list(o.regions_served.values_list("region", flat=True))
        for o in ica.children.filter(relation_to_parent="regional_office")
    }
    assert served == {
        "ica-africa": ["africa"],
        "ica-americas": ["americas"],
        "ica-asia-pacific": ["asia-pacific"],
        "ica-europe": ["europe"],
    }
    assert set(ica.sectors.values_list("slug", flat=True)) == {
        "agriculture",
        "banking",
        "consumer-retail",
        "fisheries",
        "health",
        "housing",
        "insurance",
        "industry-services",
    }
    figures = {f.metric: f for f in ica.key_figures.all() if f.metric != "bodies"}
    assert (figures["members"].value, figures["members"].qualifier) == (
        10**9,
        "exact",
    )
    assert (figures["cooperatives"].value, figures["cooperatives"].qualifier) == (
        3_000_000,
        "about",
    )
    assert figures["member_organisations"].value == 310
    assert figures["member_organisations"].qualifier == "more_than"
    assert (figures["countries"].value, figures["countries"].qualifier) == (
        107,
        "exact",
    )
    assert (figures["values"].value, figures["principles"].value) == (10, 7)
    assert "Guardian of the Statement on the Cooperative Identity" in " ".join(
        ica.duties.values_list("text", flat=True)
    )


def test_it_keeps_the_ccpit_duties_in_the_texts_order():
    ccpit = org("ccpit")
    assert ccpit.founded_year == 1952
    duties = list(ccpit.duties.values_list("text", flat=True))
    assert len(duties) == 8
    assert duties[0].startswith("Implement relevant major national development")
    assert "Bureau International des Expositions (BIE)" in duties[2]
    assert duties[5] == (
        "Carry out legal consulting, commercial conciliation, trade and maritime "
        "arbitration."
    )
    assert duties[7].startswith("Organise industries and enterprises")
    # Each duty is quoted from the text, and they come in the text's order.
    text = " ".join(
        Source.objects.get(title__startswith="China Council").excerpt.split()
    )
    places = [text.index(duty) for duty in duties]
    assert places == sorted(places)
    assert Membership.objects.get(member=ccpit).organisation.acronym == "BIE"


MECHANISM_COUNTRIES = {
    "cica-business-council": ["CN"],
    "crccme": ["CN", "RU"],
    "china-us-jwg": ["CN", "US"],
    "china-california-jwg": ["CN", "US"],
    "china-michigan-jwg": ["CN", "US"],
    "chinese-german-eac": ["CN", "DE"],
    "chinese-german-innovation-wg": ["CN", "DE"],
    "bfic": ["CN", "IT"],
    "china-finland-committee": ["CN", "FI"],
}


def test_it_records_each_mechanisms_countries():
    found = {}
    for row in MechanismCountry.objects.select_related("mechanism"):
        found.setdefault(row.mechanism.slug, []).append(str(row.country))
    assert {slug: sorted(codes) for slug, codes in found.items()} == (
        MECHANISM_COUNTRIES
    )


def test_it_records_the_secretariats_of_both_sides():
    hosts = {
        (s.mechanism.slug, s.role, str(s.side), s.organisation.slug)
        for s in Secretariat.objects.select_related("mechanism", "organisation")
    }
    assert hosts == {
        ("cica-business-council", "chairman_office", "CN", "cccme"),
        ("crccme", "chinese_secretariat", "CN", "cccme"),
        ("china-california-jwg", "chinese_secretariat", "CN", "cccme"),
        ("china-michigan-jwg", "chinese_secretariat", "CN", "cccme"),
        ("chinese-german-innovation-wg", "chinese_secretariat", "CN", "cccme"),
        ("bfic", "chinese_secretariat", "CN", "cccme"),
        ("bfic", "foreign_secretariat", "IT", "ice"),
        ("bfic", "foreign_secretariat", "IT", "confindustria"),
        ("china-finland-committee", "chinese_secretariat", "CN", "cccme"),
        ("china-finland-committee", "foreign_secretariat", "FI", "ek"),
        ("china-finland-committee", "foreign_secretariat", "FI", "business-finland"),
    }


def test_it_records_chairs_initiators_and_signatories():
    def people(slug, role):
        return {
            (p.organisation.slug, p.person_name, p.person_title)
            for p in Participant.objects.filter(mechanism__slug=slug, role=role)
        }

    assert people("cica-business-council", "chair") == {
        ("cccme", "ZHANG Yujing", "President of CCCME")
    }
    chairs = Participant.objects.filter(mechanism__slug="bfic", role="side_chair")
    assert {(p.organisation.slug, str(p.side), p.notes) for p in chairs} == {
        (
            "bank-of-china",
            "CN",
            "Appointed as Chinese Chairmanship in the Inaugurating Ceremony.",
        ),
        ("pirelli", "IT", "Appointed as Italian Chairmanship later."),
    }
    assert {o for o, _, _ in people("bfic", "board_member")} == {
        "genertec",
        "cosco",
        "huawei",
    }
    assert people("china-us-jwg", "initiator") == {
        ("gov-california", "Brown", "Governor of California")
    }
    assert people("china-us-jwg", "counterpart") == {
        ("gov-cn", "Xi Jinping", "Vice President of the People's Republic of China")
    }
    assert {o for o, _, _ in people("china-us-jwg", "lead")} == {"mofcom"}
    assert {o for o, _, _ in people("china-finland-committee", "signatory")} == {
        "mofcom",
        "meae-fi",
    }
    assert ("gov-cn", "Xi Jinping") in {
        (o, n) for o, n, _ in people("china-finland-committee", "party")
    }
    (li,) = people("chinese-german-eac", "initiator") - {("gov-de", "", "")}
    assert li[:2] == ("gov-cn", "Li Keqiang") and "Premier" in li[2]
    assert {o for o, _, _ in people("crccme", "initiator")} == {"gov-cn", "gov-ru"}
    assert {o for o, _, _ in people("cica-business-council", "initiator")} == {"cica"}


def test_it_records_the_subnational_participants():
    jwg = mechanism("china-us-jwg")
    assert {
        (s.name, s.kind, str(s.country)) for s in jwg.subnational_participants.all()
    } == {
        ("California", "state", "US"),
        ("Iowa", "state", "US"),
        ("Texas", "state", "US"),
        ("Michigan", "state", "US"),
        ("Washington", "state", "US"),
        ("Chicago", "city", "US"),
    }
    figures = {f.metric: (f.value, f.unit) for f in jwg.figures.all()}
    assert figures == {"working_groups": (7, "groups"), "subnational": (25, "places")}


def test_it_places_working_groups_under_their_mechanisms():
    parents = dict(
        Mechanism.objects.filter(parent__isnull=False).values_list(
            "slug", "parent__slug"
        )
    )
    assert parents == {
        "china-california-jwg": "china-us-jwg",
        "china-michigan-jwg": "china-us-jwg",
        "chinese-german-innovation-wg": "chinese-german-eac",
    }
    eac = mechanism("chinese-german-eac")
    assert eac.figures.get(metric="working_groups").value == 2
    assert eac.founded_year is None
    assert (eac.origin_year, eac.origin_month) == (2013, 5)


def test_it_records_founding_and_origin_to_the_precision_known():
    dates = {
        m.slug: (m.founded_year, m.origin_year, m.origin_month)
        for m in Mechanism.objects.filter(parent__isnull=True)
    }
    assert dates == {
        "cica-business-council": (None, None, None),
        "crccme": (2007, 2007, None),
        "china-us-jwg": (2012, 2012, 2),
        "chinese-german-eac": (None, 2013, 5),
        "bfic": (2014, 2014, None),
        "china-finland-committee": (None, 2017, 4),
    }
    assert "Joint Declaration" in mechanism("china-finland-committee").origin_instrument
    assert "MOU" in mechanism("bfic").origin_instrument
    assert mechanism("cica-business-council").origin_event == (
        "4th CICA Summit, Shanghai"
    )


def test_it_counts_the_bfic_board_companies_as_the_text_words_them():
    figure = mechanism("bfic").figures.get(metric="board_companies")
    assert (figure.value, figure.unit) == (11, "companies")
    # How it was read is for the editors (issue #21: no working notes in public).
    assert "other 11 companies" in mechanism("bfic").editor_notes
    assert not figure.note


OTHER_NAMES = [
    (Organisation, "acfsmc", "China Co-op", "alias"),
    (Organisation, "cica", "亚洲相互协作与信任措施会议", "translation"),
    (Mechanism, "bfic", "Business Forum Italy-China", "alias"),
    (Mechanism, "china-finland-committee", "Enterprise Committee", "short"),
    (
        Mechanism,
        "crccme",
        "China Russia Chamber of Commerce for Machinery and Electric Products",
        "alias",
    ),
    (
        Mechanism,
        "china-us-jwg",
        "China-US Joint Working Group of Province-State Cooperation",
        "alias",
    ),
    (Mechanism, "china-california-jwg", "China-California JWG", "short"),
    (Mechanism, "china-michigan-jwg", "China-Michigan JWG", "short"),
]


def test_it_keeps_every_other_name_the_texts_use():
    for model, slug, name, kind in OTHER_NAMES:
        entity = model.objects.get(slug=slug)
        assert entity.other_names.filter(name=name, kind=kind).exists(), name


def test_it_keeps_acronyms_and_native_names():
    acronyms = dict(
        Organisation.objects.exclude(acronym="").values_list("slug", "acronym")
    )
    assert {"acfsmc", "ica", "ccpit", "cccme", "cica", "bie", "ice"} <= set(acronyms)
    assert mechanism("bfic").acronym == "BFIC"
    assert mechanism("crccme").acronym == "CRCCME"
    native = dict(Organisation.objects.values_list("slug", "native_name"))
    assert native["ccpit"] == "中国国际贸易促进委员会"
    assert native["cccme"] == "中国机电产品进出口商会"
    assert native["mofcom"] == "中华人民共和国商务部"
    assert native["bank-of-china"] == "中国银行"


def test_every_record_is_published_and_cites_a_source():
    for model in (Organisation, Mechanism):
        assert not model.objects.exclude(status=Status.PUBLISHED).exists()
        assert not model.objects.filter(sources__isnull=True).exists()


def test_every_headquarters_country_is_a_country_row():
    for organisation in Organisation.objects.exclude(hq_country=""):
        assert OrganisationCountry.objects.filter(
            organisation=organisation, country=organisation.hq_country
        ).exists(), organisation.slug


def test_no_source_address_is_invented():
    urls = set(Source.objects.values_list("url", flat=True))
    assert urls <= KNOWN_HOMEPAGES | {""}
    websites = set(Organisation.objects.values_list("website", flat=True))
    websites |= set(Mechanism.objects.values_list("website", flat=True))
    assert websites <= KNOWN_HOMEPAGES | {""}


def test_every_text_source_quotes_the_seed_texts_verbatim():
    texts = [p.read_text(encoding="utf-8") for p in (FIXTURES / "texts").glob("*.txt")]
    assert len(texts) == 2
    for source in Source.objects.filter(url=""):
        assert source.excerpt, source.title
        assert any(source.excerpt in text for text in texts), source.title


def test_figures_cite_text_sources():
    figure_sources = set(KeyFigure.objects.values_list("source__url", flat=True))
    figure_sources |= set(MechanismFigure.objects.values_list("source__url", flat=True))
    assert figure_sources == {""}


def _counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("organisations", "mechanisms")
        for model in apps.get_app_config(app).get_models()
    }


def test_loading_again_does_not_duplicate_anything():
    before = _counts()
    call_command("load_seed", verbosity=0)
    assert _counts() == before
    call_command("load_seed", force=True, verbosity=0)
    assert _counts() == before
    assert Duty.objects.filter(organisation__slug="ccpit").count() == 8


def test_the_build_script_reproduces_the_committed_fixtures():
    path = FIXTURES / "build_seed.py"
    spec = importlib.util.spec_from_file_location("build_seed", path)
    build_seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_seed)
    for filename, rows in build_seed.build().rows.items():
        committed = json.loads((FIXTURES / f"{filename}.json").read_text("utf-8"))
        assert rows == committed, filename
