"""A small directory, built with factories, that the page tests share."""

from dataclasses import dataclass

from mechanisms.models import Participant, Secretariat
from organisations.models import Membership, Organisation, Status
from tests.factories import (
    KeyFigureFactory,
    MechanismFactory,
    OrganisationFactory,
    OrganisationNameFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
    SourceFactory,
)


@dataclass
class Directory:
    agriculture: object
    machinery: object
    cccme: object
    acfsmc: object
    office: object
    finnish: object
    draft: object
    council: object
    group: object
    draft_mechanism: object


def build_directory():
    """Return a handful of related, published records and two drafts."""
    agriculture = SectorFactory(slug="agriculture", name="Agriculture")
    machinery = SectorFactory(slug="machinery", name="Machinery and electronics")
    source = SourceFactory(title="CCCME profile", url="https://example.org/cccme")
    cccme = OrganisationFactory(
        name="China Chamber of Commerce for Import and Export of Machinery",
        slug="cccme",
        acronym="CCCME",
        native_name="中国机电产品进出口商会",
        kind=Organisation.Kind.CHAMBER,
        hq_country="CN",
        hq_city="Beijing",
        founded_year=1988,
        summary="The chamber of the machinery and electronics trade.",
        description="Serves **members**.<script>alert(1)</script>",
        website="https://www.cccme.org.cn/",
        sectors=[machinery],
    )
    cccme.sources.add(source)
    acfsmc = OrganisationFactory(
        name="All China Federation of Supply and Marketing Cooperatives",
        slug="acfsmc",
        acronym="ACFSMC",
        native_name="中华全国供销合作总社",
        kind=Organisation.Kind.APEX_BODY,
        founded_year=1954,
        sectors=[agriculture],
    )
    OrganisationNameFactory(organisation=acfsmc, name="China Co-op", kind="alias")
    office = OrganisationFactory(
        name="ACFSMC Regional Office Europe",
        slug="acfsmc-europe",
        kind=Organisation.Kind.OFFICE,
        hq_country="FI",
        parent=acfsmc,
        relation_to_parent=Organisation.Relation.REGIONAL_OFFICE,
    )
    finnish = OrganisationFactory(
        name="Confederation of Finnish Industries",
        slug="ek",
        acronym="EK",
        kind=Organisation.Kind.ASSOCIATION,
        hq_country="FI",
        founded_year=2005,
        sectors=[machinery],
    )
    Membership.objects.create(member=finnish, organisation=acfsmc)
    total = KeyFigureFactory(
        organisation=acfsmc, label="Sales", value=5300000000000, year=2020
    )
    KeyFigureFactory(
        organisation=acfsmc,
        label="Agricultural production materials",
        value=900000000000,
        year=2020,
        parent=total,
    )
    draft = OrganisationFactory(
        name="Hidden Draft Body", slug="hidden-draft", status=Status.DRAFT
    )
    council = MechanismFactory(
        name="China-Finland Business Council",
        slug="china-finland",
        countries=["CN", "FI"],
        sectors=[machinery],
        founded_year=2017,
        purpose="Trade between China and Finland.",
    )
    SecretariatFactory(
        mechanism=council, organisation=cccme, side="CN", role=Secretariat.Role.CHINESE
    )
    SecretariatFactory(
        mechanism=council,
        organisation=finnish,
        side="FI",
        role=Secretariat.Role.FOREIGN,
    )
    ParticipantFactory(
        mechanism=council,
        organisation=cccme,
        role=Participant.Role.CHAIR,
        person_name="ZHANG Yujing",
        person_title="President of CCCME",
    )
    group = MechanismFactory(
        name="Innovation Working Group",
        slug="innovation-group",
        kind="working_group",
        parent=council,
        countries=["CN", "FI"],
    )
    draft_mechanism = MechanismFactory(
        name="Secret Draft Council", slug="secret-draft", status=Status.DRAFT
    )
    SecretariatFactory(mechanism=draft_mechanism, organisation=cccme)
    return Directory(
        agriculture,
        machinery,
        cccme,
        acfsmc,
        office,
        finnish,
        draft,
        council,
        group,
        draft_mechanism,
    )
