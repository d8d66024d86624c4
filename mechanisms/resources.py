"""Bulk import and export of mechanisms: the organisations import, by slug and code."""

from import_export.fields import Field

from organisations.models import Sector
from organisations.resources import (
    BatchInstanceLoader,
    EntityResource,
    SlugsWidget,
    SlugWidget,
)

from .models import Mechanism, MechanismCountry


class MechanismResource(EntityResource):
    country_model = MechanismCountry
    country_fk = "mechanism"
    EXTRA_SHEETS = ("figures", "other_names", "secretariats", "participants")

    parent = Field(
        attribute="parent", column_name="parent", widget=SlugWidget(Mechanism)
    )
    sectors = Field(
        attribute="sectors", column_name="sectors", widget=SlugsWidget(Sector)
    )

    class Meta:
        model = Mechanism
        import_id_fields = ["slug"]
        instance_loader_class = BatchInstanceLoader
        fields = [
            "slug",
            "name",
            "import_notes",
            "acronym",
            "native_name",
            "native_language",
            "kind",
            "scope",
            "parent",
            "countries",
            "founded_year",
            "founded_month",
            "founded_day",
            "origin",
            "origin_event",
            "origin_instrument",
            "origin_year",
            "origin_month",
            "sectors",
            "website",
            "purpose",
            "summary",
            "description",
            "status",
            "source_urls",
            "source_titles",
        ]
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True  # re-importing an unchanged file changes nothing
        report_skipped = True
