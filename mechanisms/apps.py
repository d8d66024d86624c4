from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MechanismsConfig(AppConfig):
    name = "mechanisms"
    verbose_name = _("Mechanisms")

    def ready(self):
        # What the review step guards (coopdir.rest imports no app: apps say).
        from coopdir.rest import review

        from . import models

        review.register_record(models.Mechanism, status=models.Status.PUBLISHED)
        for model in (
            models.MechanismName,
            models.MechanismCountry,
            models.SubnationalParticipant,
            models.MechanismFigure,
        ):
            review.register_part(model, "mechanism")
        # Secretariats and participants show once the mechanism and the body are
        # both published (on both pages).
        review.register_part(models.Secretariat, "mechanism", "organisation")
        review.register_part(models.Participant, "mechanism", "organisation")
