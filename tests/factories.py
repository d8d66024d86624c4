import factory
from factory.django import DjangoModelFactory
from knox.models import AuthToken

from mechanisms.models import Mechanism, MechanismCountry, Participant, Secretariat
from organisations.models import (
    KeyFigure,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    Sector,
    Source,
    Status,
)


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.Sequence(lambda n: f"sector-{n}")


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Source {n}")
    publisher = "Test publisher"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = Organisation.Kind.FEDERATION
    status = Status.PUBLISHED
    hq_country = "CN"

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create and extracted:
            for code in extracted:
                OrganisationCountry.objects.get_or_create(
                    organisation=self, country=code
                )


class OrganisationNameFactory(DjangoModelFactory):
    class Meta:
        model = OrganisationName

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")
    kind = "alias"


class KeyFigureFactory(DjangoModelFactory):
    class Meta:
        model = KeyFigure

    organisation = factory.SubFactory(OrganisationFactory)
    label = "Turnover"
    metric = KeyFigure.Metric.TURNOVER
    year = 2020
    value = 1000
    unit = "CNY"
    source = factory.SubFactory(SourceFactory)


class MechanismFactory(DjangoModelFactory):
    class Meta:
        model = Mechanism
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Mechanism {n}")
    slug = factory.Sequence(lambda n: f"mechanism-{n}")
    kind = Mechanism.Kind.BUSINESS_COUNCIL
    scope = Mechanism.Scope.BILATERAL
    status = Status.PUBLISHED

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create and extracted:
            for code in extracted:
                MechanismCountry.objects.get_or_create(mechanism=self, country=code)


class SecretariatFactory(DjangoModelFactory):
    class Meta:
        model = Secretariat

    mechanism = factory.SubFactory(MechanismFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    side = "CN"
    role = Secretariat.Role.CHINESE


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    mechanism = factory.SubFactory(MechanismFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Participant.Role.MEMBER


def api_token(user, **kwargs):
    """Return the secret of a new API token of user (only its hash is stored)."""
    return AuthToken.objects.create(user, **kwargs)[1]
