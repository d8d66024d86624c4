import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from organisations.filters import SLUG_PATTERN, EntityFilterSet
from organisations.models import Organisation

from .models import Mechanism


@extend_schema_field(
    {
        "type": "string",
        "pattern": SLUG_PATTERN,
        "description": "Slug of a body that hosts a secretariat or takes part.",
    }
)
class OrganisationSlugFilter(django_filters.ModelChoiceFilter):
    """Mechanisms an organisation hosts a secretariat of or takes part in."""

    def filter(self, qs, value):
        return qs.involving(value) if value else qs


class MechanismFilter(EntityFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Mechanism.Kind.choices, label=_("Kind")
    )
    scope = django_filters.MultipleChoiceFilter(
        choices=Mechanism.Scope.choices, label=_("Scope")
    )
    organisation = OrganisationSlugFilter(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        label=_("Organisation"),
        help_text=_("Slug of a body that hosts a secretariat or takes part."),
    )

    class Meta:
        model = Mechanism
        fields = [
            "q",
            "country",
            "sector",
            "kind",
            "region",
            "scope",
            "organisation",
            "founded_after",
            "founded_before",
            "ordering",
        ]
