"""FilterSets the pages and the API share: both mean the same by each parameter."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field

from coopdir import search

from .models import Organisation, Sector, SectorTree
from .regions import Region


class CountryCodesField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes in any case; an unknown code is named in the error."""

    def to_python(self, value):
        return [str(v).strip().upper() for v in super().to_python(value)]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        unknown = [code for code in value if code not in countries]
        if unknown:
            raise ValidationError(
                _("Unknown country code: %(codes)s. Use ISO 3166-1 alpha-2, e.g. CN."),
                code="invalid_country",
                params={"codes": ", ".join(unknown)},
            )


# What the API schema says of each value (drf-spectacular cannot guess it).
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


@extend_schema_field(
    {
        "type": "string",
        "enum": [code for code, name in countries],
        "description": "ISO 3166-1 alpha-2 code (any case); repeat, or separate by "
        "commas, for any of several.",
    }
)
class CountryFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", lambda: list(countries))
        kwargs.setdefault("label", _("Country"))
        kwargs.setdefault(
            "help_text", _("ISO 3166-1 alpha-2 code; repeat for any of several.")
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.in_country(*value) if value else qs


class SectorSlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Sector slugs, checked against the SectorTree (no query per search, where
    the field's own check queries the sectors every time); an unknown slug is
    named in the error, as the field's own check names it."""

    def _check_values(self, value):
        if self.queryset.query.where or self.to_field_name != "slug":
            # Narrowed, or chosen otherwise: the tree holds every sector by slug.
            return super()._check_values(value)
        try:
            slugs = frozenset(value)
        except TypeError:  # a list of lists, say
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        tree, chosen = SectorTree.current(), set()
        for slug in slugs:
            self.validate_no_null_characters(slug)
            sector = tree.by_slug.get(str(slug))
            if sector is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": slug},
                )
            chosen.add(sector.pk)
        return [sector for sector in tree.sectors if sector.pk in chosen]


@extend_schema_field(
    {
        "type": "string",
        "pattern": SLUG_PATTERN,
        "description": "Sector slug (see /api/v1/sectors/), sub-sectors included; "
        "repeat, or separate by commas, for any of several.",
    }
)
class SectorFilter(django_filters.ModelMultipleChoiceFilter):
    """Sectors by slug, each including its sub-sectors."""

    field_class = SectorSlugsField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Sector.objects.all())
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("label", _("Sector"))
        kwargs.setdefault(
            "help_text", _("Sector slug, sub-sectors included; repeatable.")
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.in_sector(*value) if value else qs


class RegionFilter(django_filters.MultipleChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", Region.choices)
        kwargs.setdefault("label", _("Region"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.in_region(*value) if value else qs


class SearchFilter(django_filters.CharFilter):
    """Words to find, ranked by coopdir.search unless `ordering` is set."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Words"))
        kwargs.setdefault("max_length", search.MAX_QUERY_LENGTH)
        kwargs.setdefault("help_text", _("Words to find in names, acronyms and texts."))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return search.search(qs, value) if search.normalise_query(value) else qs


def split_commas(data, names):
    """Return data with "IT,FI" read as IT and FI for each repeatable parameter."""
    if data is None or not hasattr(data, "getlist"):
        return data
    data = data.copy()
    for name in names:
        if name in data:
            values = [part.strip() for v in data.getlist(name) for part in v.split(",")]
            data.setlist(name, [value for value in values if value])
    return data


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Ordering that puts records without the value (no founding year) last."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = param[1:] if descending else param
        field = F(self.param_map.get(name, name))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        """Order as asked, then by pk: pages stay stable among equal values."""
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if qs.query.order_by else qs


class EntityFilterSet(django_filters.FilterSet):
    """Filters organisations and mechanisms share, under the same names.

    A repeatable parameter may be repeated (country=IT&country=FI) or carry values
    separated by commas (country=IT,FI); both mean any of them.
    """

    def __init__(self, data=None, *args, **kwargs):
        repeatable = [
            name
            for name, f in self.base_filters.items()
            if isinstance(
                f,
                django_filters.MultipleChoiceFilter
                | django_filters.ModelMultipleChoiceFilter,
            )
        ]
        super().__init__(split_commas(data, repeatable), *args, **kwargs)

    q = SearchFilter()
    country = CountryFilter()
    sector = SectorFilter()
    region = RegionFilter()
    founded_after = django_filters.NumberFilter(
        field_name="founded_year",
        lookup_expr="gte",
        label=_("Founded in or after (year)"),
        min_value=1000,
        max_value=9999,
    )
    founded_before = django_filters.NumberFilter(
        field_name="founded_year",
        lookup_expr="lte",
        label=_("Founded in or before (year)"),
        min_value=1000,
        max_value=9999,
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("name", "name"),
            ("founded_year", "founded"),
            ("updated_at", "updated"),
        ),
        label=_("Order by"),
        help_text=_(
            "name, founded or updated; a leading - reverses. Default: relevance."
        ),
    )

    # The filters the search index holds as tags; the others need the ORM.
    INDEXED = ("q", "country", "sector", "region", "kind", "scope")

    def found(self):
        """Return the results as coopdir.search.found answers them: from the index
        alone when every filter in use is one it holds, else from the queryset."""
        from coopdir.search.found import Found, QuerysetFound, base_statuses

        self.errors  # noqa: B018 (validates the form: cleaned_data holds what is valid)
        data = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "", [], ())
            and not (hasattr(value, "exists") and not value)
        }
        statuses = base_statuses(self.queryset)
        if statuses is None or set(data) - set(self.INDEXED):
            return QuerysetFound(self.qs, self.without, data)
        values = {}
        if statuses != "all":
            values["status"] = statuses
        for facet in ("country", "region", "kind", "scope"):
            if data.get(facet):
                values[facet] = list(data[facet])
        if data.get("sector"):
            values["sector"] = sorted(
                SectorTree.current().descendants(*(s.pk for s in data["sector"]))
            )
        return Found(self.queryset, data.get("q", ""), values, records=lambda: self.qs)

    def without(self, facet):
        """Return the queryset of this filterset's results, facet's filter left out."""
        data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
        data.pop(facet, None)
        return type(self)(data, queryset=self.queryset).qs


class OrganisationFilter(EntityFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Organisation.Kind.choices, label=_("Kind")
    )

    class Meta:
        model = Organisation
        fields = [
            "q",
            "country",
            "sector",
            "kind",
            "region",
            "founded_after",
            "founded_before",
            "ordering",
        ]
