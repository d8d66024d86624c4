"""sitemap.xml: every public page a search engine should know."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from mechanisms.models import Mechanism, MechanismCountry
from organisations.models import Organisation, OrganisationCountry, Sector, Status


class PublicSitemap(Sitemap):
    """Each page in every language, each entry naming its twins (hreflang)."""

    i18n = True
    alternates = True
    x_default = True


class StaticSitemap(PublicSitemap):
    def items(self):
        return [
            "home",
            "organisations:list",
            "mechanisms:list",
            "countries:list",
            "sectors:list",
        ]

    def location(self, item):
        return reverse(item)


class OrganisationSitemap(PublicSitemap):
    limit = 5000

    def items(self):
        return Organisation.objects.published().only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class MechanismSitemap(OrganisationSitemap):
    def items(self):
        return Mechanism.objects.published().only("slug", "updated_at")


class SectorSitemap(PublicSitemap):
    def items(self):
        return Sector.objects.only("slug")


class CountrySitemap(PublicSitemap):
    def items(self):
        codes = set(
            OrganisationCountry.objects.filter(
                organisation__status=Status.PUBLISHED
            ).values_list("country", flat=True)
        ) | set(
            MechanismCountry.objects.filter(
                mechanism__status=Status.PUBLISHED
            ).values_list("country", flat=True)
        )
        return sorted(codes)

    def location(self, item):
        return reverse("countries:detail", args=[item])


SITEMAPS = {
    "pages": StaticSitemap,
    "organisations": OrganisationSitemap,
    "mechanisms": MechanismSitemap,
    "sectors": SectorSitemap,
    "countries": CountrySitemap,
}
