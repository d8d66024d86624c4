"""Generate a large, deterministic, realistic directory for benchmarks and demos."""

import itertools
import random
from decimal import Decimal

from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from coopdir.search import rebuild, signals
from mechanisms.models import (
    Mechanism,
    MechanismCountry,
    MechanismName,
    Participant,
    Secretariat,
)
from organisations.models import (
    KeyFigure,
    Membership,
    NameKind,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    Sector,
    Source,
    Status,
)
from organisations.regions import REGION_BY_COUNTRY

BATCH = 5000
SLUG_PREFIX = "gen-"

SECTORS = [
    ("agriculture", "Agriculture", "农业"),
    ("banking", "Banking and credit", "银行"),
    ("consumer-retail", "Consumer and retail", "消费零售"),
    ("fisheries", "Fisheries", "渔业"),
    ("health", "Health", "卫生"),
    ("housing", "Housing", "住房"),
    ("insurance", "Insurance", "保险"),
    ("industry-services", "Industry and services", "工业与服务"),
    ("machinery-electronics", "Machinery and electronics", "机电"),
    ("aviation", "Aviation", "航空"),
    ("energy-machinery", "Energy machinery", "能源机械"),
    ("shipbuilding", "Shipbuilding", "造船"),
    ("communication-equipment", "Communication equipment", "通信设备"),
    ("automotive", "Automotive", "汽车"),
    ("home-appliances", "Home appliances", "家电"),
    ("high-tech", "High technology", "高新技术"),
    ("construction", "Construction", "建筑"),
    ("renewable-resources", "Renewable resources", "再生资源"),
    ("logistics", "Logistics", "物流"),
    ("financial-services", "Financial services", "金融服务"),
]

PLACES = (
    "North South East West Central Upper Lower Coastal Valley Highland Lakeside "
    "River Mountain Prairie Delta Harbour Forest Island Border Metropolitan"
).split()
CITIES = (
    "Helsinki Milan Lyon Porto Kraków Zürich Göteborg Nairobi Accra Lagos Pune "
    "Chennai Osaka Busan Hanoi Lima Quito Córdoba Curitiba Montréal Winnipeg Denver "
    "Austin Tampere Turin Sevilla Bilbao Gdańsk Tartu Riga Kaunas Cluj Plovdiv "
    "Malmö Ålesund Aarhus Cork Leeds Dundee Graz Linz Brno Košice Pécs Ljubljana"
).split()
TRADES = (
    "Dairy Grain Fruit Coffee Cocoa Tea Rice Cotton Wool Timber Fishing Credit "
    "Savings Housing Health Insurance Consumer Retail Worker Energy Solar Wind "
    "Transport Logistics Machinery Electronics Textile Craft Artisan Pharmacy "
    "Water Telecom Software Tourism Wine Olive Honey Seed Fertiliser Livestock"
).split()
FORMS = {
    "cooperative": ["Cooperative", "Co-operative Society", "Co-op", "Producers Union"],
    "federation": ["Federation", "Union of Cooperatives", "Confederation"],
    "association": ["Association", "Society", "Alliance"],
    "chamber": ["Chamber of Commerce", "Business Council", "Trade Council"],
    "company": ["Group", "Holdings", "Trading Company", "Enterprises"],
    "bank": ["Cooperative Bank", "Credit Union", "Savings Bank"],
    "trade_promotion": ["Trade Promotion Agency", "Export Board", "Investment Agency"],
    "government": ["Ministry of Commerce", "Development Commission", "Trade Bureau"],
    "apex_body": ["National Cooperative Council", "Apex Cooperative Body"],
    "network": ["Network", "Committee", "Working Group"],
}
KIND_WEIGHTS = {
    "cooperative": 50,
    "federation": 8,
    "association": 10,
    "chamber": 6,
    "company": 10,
    "bank": 6,
    "trade_promotion": 3,
    "government": 3,
    "apex_body": 1,
    "network": 3,
}
FOREIGN = {
    "FR": ["Coopérative {trade} de {city}", "Fédération des coopératives de {city}"],
    "ES": ["Cooperativa de {trade} de {city}", "Caja Rural de {city}"],
    "IT": ["Cooperativa {trade} di {city}", "Consorzio agrario di {city}"],
    "DE": ["Genossenschaft {trade} {city}", "Raiffeisenbank {city} eG"],
    "FI": ["Osuuskunta {city}", "{city}n Osuuspankki"],
    "RU": ["Потребительский кооператив «{city}»", "Союз кооперативов {city}"],
    "JP": ["{city}農業協同組合", "{city}生活協同組合"],
    "KR": ["{city} 협동조합", "{city} 농업협동조합"],
    "IN": ["{city} सहकारी समिति", "{city} Sahakari Bank"],
    "EG": ["جمعية {city} التعاونية", "الاتحاد التعاوني {city}"],
    "GR": ["Συνεταιρισμός {city}", "Ένωση Συνεταιρισμών {city}"],
}
CN_PROVINCES = (
    "北京 天津 河北 山西 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 广西 海南 重庆 四川 贵州 云南 陕西 甘肃 青海 宁夏 新疆 内蒙古"
).split()
CN_PROVINCES_EN = (
    "Beijing Tianjin Hebei Shanxi Liaoning Jilin Heilongjiang Shanghai Jiangsu "
    "Zhejiang Anhui Fujian Jiangxi Shandong Henan Hubei Hunan Guangdong Guangxi "
    "Hainan Chongqing Sichuan Guizhou Yunnan Shaanxi Gansu Qinghai Ningxia Xinjiang "
    "Inner-Mongolia"
).split()
CN_TRADES = [
    ("供销合作社", "Supply and Marketing Cooperative"),
    ("农民专业合作社", "Farmers' Specialised Cooperative"),
    ("机电产品进出口商会", "Chamber of Commerce for Machinery and Electronics"),
    ("国际贸易促进委员会", "Council for the Promotion of International Trade"),
    ("信用合作联社", "Rural Credit Cooperative Union"),
    ("再生资源回收公司", "Renewable Resources Recycling Company"),
    ("物流集团", "Logistics Group"),
    ("茶叶合作社", "Tea Cooperative"),
    ("农业生产资料集团", "Agricultural Means of Production Group"),
]
SUMMARY_PARTS = [
    "Serves {n} member {what} in {place}.",
    "Markets {trade} products for its members and runs shared services.",
    "Represents {trade} cooperatives in talks with government and trade partners.",
    "Offers credit, insurance and training to small producers.",
    "Promotes trade and investment between China and {country}.",
    "Founded by local farmers to buy inputs and sell produce together.",
]


def zipf_weights(count, exponent=1.1):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        rng = self.rng
        countries = sorted(REGION_BY_COUNTRY)
        # China first (the directory's focus), the rest in a seeded, skewed order.
        rest = [c for c in countries if c != "CN"]
        rng.shuffle(rest)
        self.countries = ["CN", *rest]
        self.country_weights = list(
            itertools.accumulate(zipf_weights(len(self.countries)))
        )
        self.kinds = list(KIND_WEIGHTS)
        self.kind_weights = [KIND_WEIGHTS[k] for k in self.kinds]

    def country(self):
        return self.rng.choices(self.countries, cum_weights=self.country_weights)[0]

    def organisation(self, index, sectors, sector_weights):
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        country = self.country()
        trade = rng.choice(TRADES)
        city = rng.choice(CITIES)
        native_name, language, acronym = "", "", ""
        if country == "CN":
            p = rng.randrange(len(CN_PROVINCES))
            cn_trade, en_trade = rng.choice(CN_TRADES)
            native_name = f"{CN_PROVINCES[p]}省{cn_trade}"
            language = "zh-Hans"
            name = f"{CN_PROVINCES_EN[p]} {en_trade}"
            city = CN_PROVINCES_EN[p]
        elif country in FOREIGN and rng.random() < 0.6:
            native_name = rng.choice(FOREIGN[country]).format(trade=trade, city=city)
            language = country.lower()
            name = f"{city} {trade} {rng.choice(FORMS[kind])}"
        else:
            place = rng.choice(PLACES) if rng.random() < 0.5 else city
            name = f"{place} {trade} {rng.choice(FORMS[kind])}"
        if rng.random() < 0.3:
            acronym = "".join(w[0] for w in name.split() if w[0].isalpha()).upper()
        summary = " ".join(
            part.format(
                n=rng.randrange(3, 900),
                what=rng.choice(["farmers", "cooperatives", "companies", "families"]),
                place=city,
                trade=trade.lower(),
                country=rng.choice(self.countries),
            )
            for part in rng.sample(SUMMARY_PARTS, 2)
        )
        record = Organisation(
            name=name,
            slug=f"{SLUG_PREFIX}{index}",
            acronym=acronym,
            native_name=native_name,
            native_language=language,
            kind=kind,
            hq_country=country,
            hq_city=city,
            summary=summary,
            founded_year=rng.randrange(1844, 2024) if rng.random() < 0.7 else None,
            status=Status.PUBLISHED if rng.random() < 0.95 else Status.DRAFT,
        )
        extra_countries = {country}
        if rng.random() < 0.15:
            extra_countries |= {self.country() for _ in range(rng.randrange(1, 4))}
        chosen = {
            rng.choices(sectors, cum_weights=sector_weights)[0]
            for _ in range(rng.randrange(1, 3))
        }
        names = []
        if rng.random() < 0.15:
            names.append((f"{city} {trade} Union", NameKind.ALIAS, "en"))
        return record, sorted(extra_countries), sorted(chosen), names


class Command(BaseCommand):
    help = (
        "Generate a deterministic, realistic directory (organisations, mechanisms, "
        "names, countries, sectors, memberships, figures, secretariats) in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--mechanisms", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete previously generated records first.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        n, m = options["organisations"], options["mechanisms"]
        if n < 0 or m < 0:
            raise CommandError("Counts cannot be negative.")
        self.quiet = options["no_progress"] or options["verbosity"] == 0
        if Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists():
            if not options["replace"]:
                raise CommandError(
                    "Generated records exist already; use --replace to regenerate."
                )
            self.delete_generated()
        gen = Generator(options["seed"])
        with transaction.atomic():
            source, _ = Source.objects.get_or_create(
                title="Generated data (manage.py generate_directory)",
                defaults={"publisher": "coopdir"},
            )
            sectors = []
            for slug, name, name_zh in SECTORS:
                sector = Sector.objects.filter(slug=slug).first()
                if sector is None:
                    sector = Sector.objects.create(
                        slug=slug, name=name, name_zh=name_zh
                    )
                sectors.append(sector.pk)
            sector_weights = list(itertools.accumulate(zipf_weights(len(sectors), 0.8)))
            org_pks = self.organisations(gen, n, sectors, sector_weights, source)
            self.mechanisms(gen, m, org_pks, sectors, sector_weights)
        call_command(
            "rebuild_search_index",
            verbosity=options["verbosity"],
            no_progress=self.quiet,
        )
        rebuild.vacuum_everything()

    def bar(self, total, desc):
        return tqdm(
            total=total,
            desc=desc,
            unit="rows",
            disable=self.quiet,
            file=self.stderr._out,
        )

    def delete_generated(self):
        # The index is rebuilt afterwards: no need to follow each row's deletion.
        with transaction.atomic(), signals.suspended():
            generated = Organisation.objects.filter(slug__startswith=SLUG_PREFIX)
            mechs = Mechanism.objects.filter(slug__startswith=SLUG_PREFIX)
            Secretariat.objects.filter(mechanism__in=mechs).delete()
            Participant.objects.filter(mechanism__in=mechs).delete()
            mechs.delete()
            generated.update(parent=None, relation_to_parent="")
            generated.delete()

    def organisations(self, gen, n, sectors, sector_weights, source):
        rng = gen.rng
        pks = []
        sector_through = Organisation.sectors.through
        now = timezone.now()
        with self.bar(n, "organisations") as bar:
            for start in range(0, n, BATCH):
                rows = [
                    gen.organisation(i, sectors, sector_weights)
                    for i in range(start, min(n, start + BATCH))
                ]
                for record, *_ in rows:
                    record.created_at = now
                created = Organisation.objects.bulk_create([r[0] for r in rows])
                batch_pks = [record.pk for record in created]
                # Structure: some bodies belong to one created before them.
                with_parent = []
                for j, record in enumerate(created):
                    earlier = len(pks) + j
                    if earlier and rng.random() < 0.08:
                        k = rng.randrange(earlier)
                        record.parent_id = (
                            pks[k] if k < len(pks) else batch_pks[k - len(pks)]
                        )
                        record.relation_to_parent = rng.choice(
                            [
                                Organisation.Relation.SUBSIDIARY,
                                Organisation.Relation.REGIONAL_OFFICE,
                                Organisation.Relation.SECTORAL_ORGANISATION,
                            ]
                        )
                        with_parent.append(record)
                Organisation.objects.bulk_update(
                    with_parent, ["parent", "relation_to_parent"], batch_size=1000
                )
                countries, links, names, figures, members = [], [], [], [], []
                for pk, (_record, codes, chosen, other) in zip(
                    batch_pks, rows, strict=True
                ):
                    countries += [
                        OrganisationCountry(organisation_id=pk, country=c)
                        for c in codes
                    ]
                    links += [
                        sector_through(organisation_id=pk, sector_id=s) for s in chosen
                    ]
                    names += [
                        OrganisationName(
                            organisation_id=pk, name=name, kind=kind, language=lang
                        )
                        for name, kind, lang in other
                    ]
                    if rng.random() < 0.3:
                        figures.append(
                            KeyFigure(
                                organisation_id=pk,
                                label="Members",
                                metric=KeyFigure.Metric.MEMBERS,
                                year=rng.randrange(2015, 2024),
                                value=Decimal(rng.randrange(10, 200000)),
                                qualifier="about",
                                unit="people",
                                source=source,
                            )
                        )
                    # Members join the first bodies (apex bodies, federations).
                    if pk != batch_pks[0] or pks:
                        first = pks[: max(1, len(pks) // 50)] or batch_pks[:1]
                    else:
                        first = []
                    target = rng.choice(first) if first else None
                    if target and target != pk and rng.random() < 0.4:
                        members.append(
                            Membership(
                                member_id=pk,
                                organisation_id=target,
                                kind=Membership.Kind.MEMBER,
                                since_year=rng.randrange(1950, 2024),
                            )
                        )
                OrganisationCountry.objects.bulk_create(countries)
                sector_through.objects.bulk_create(links)
                OrganisationName.objects.bulk_create(names)
                KeyFigure.objects.bulk_create(figures)
                Membership.objects.bulk_create(members, ignore_conflicts=True)
                pks += batch_pks
                bar.update(len(rows))
        return pks

    def mechanisms(self, gen, m, org_pks, sectors, sector_weights):
        rng = gen.rng
        sector_through = Mechanism.sectors.through
        kinds = [k for k, _ in Mechanism.Kind.choices]
        forms = {
            "business_council": "Business Council",
            "bilateral_chamber": "Chamber of Commerce",
            "joint_working_group": "Joint Working Group",
            "working_group": "Working Group on Innovation",
            "advisory_committee": "Economic Advisory Committee",
            "business_forum": "Business Forum",
            "business_committee": "Committee for Business Cooperation",
            "other": "Dialogue",
        }
        from django_countries import countries as all_countries

        now = timezone.now()
        with self.bar(m, "mechanisms") as bar:
            for start in range(0, m, BATCH):
                rows = []
                for i in range(start, min(m, start + BATCH)):
                    other = gen.country()
                    while other == "CN":
                        other = gen.country()
                    kind = rng.choice(kinds)
                    name = f"China-{all_countries.name(other)} {forms[kind]}"
                    record = Mechanism(
                        name=name,
                        slug=f"{SLUG_PREFIX}{i}",
                        kind=kind,
                        scope=Mechanism.Scope.BILATERAL,
                        purpose=f"Promotes trade and investment between China and "
                        f"{all_countries.name(other)}.",
                        founded_year=rng.randrange(1980, 2024),
                        status=Status.PUBLISHED,
                        created_at=now,
                    )
                    rows.append((record, ["CN", other]))
                created = Mechanism.objects.bulk_create([r[0] for r in rows])
                countries, links, names, secretariats = [], [], [], []
                for record, (_, codes) in zip(created, rows, strict=True):
                    countries += [
                        MechanismCountry(mechanism_id=record.pk, country=c)
                        for c in codes
                    ]
                    links.append(
                        sector_through(
                            mechanism_id=record.pk,
                            sector_id=rng.choices(sectors, cum_weights=sector_weights)[
                                0
                            ],
                        )
                    )
                    if rng.random() < 0.3:
                        names.append(
                            MechanismName(
                                mechanism_id=record.pk,
                                name=f"{record.name[6:]} with China",
                                kind=NameKind.ALIAS,
                            )
                        )
                    if org_pks:
                        for role, side in (
                            (Secretariat.Role.CHINESE, "CN"),
                            (Secretariat.Role.FOREIGN, codes[1]),
                        ):
                            secretariats.append(
                                Secretariat(
                                    mechanism_id=record.pk,
                                    organisation_id=rng.choice(org_pks),
                                    side=side,
                                    role=role,
                                )
                            )
                MechanismCountry.objects.bulk_create(countries)
                sector_through.objects.bulk_create(links)
                MechanismName.objects.bulk_create(names)
                Secretariat.objects.bulk_create(secretariats, ignore_conflicts=True)
                bar.update(len(rows))
