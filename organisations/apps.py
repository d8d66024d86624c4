from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        # What the review step guards (coopdir.rest imports no app: apps say).
        from coopdir.rest import review

        from . import models

        review.register_record(models.Organisation, status=models.Status.PUBLISHED)
        for model in (
            models.OrganisationName,
            models.Duty,
            models.OrganisationCountry,
            models.OrganisationRegion,
            models.KeyFigure,
        ):
            review.register_part(model, "organisation")
        # A membership shows on both bodies' pages once both are published.
        review.register_part(models.Membership, "member", "organisation")
        review.register_shared(models.Source)
        review.register_shared(models.Sector)
