"""Atom feeds of newly published and updated records: the whole directory, one
country's, one sector's, in the language of the address (/… or /zh-hans/…).

Only published records are entries. An entry's `updated` is the record's last
save (publishing is a save, so a newly published record comes first); its
`published` is when its history first shows it published, or its creation time
for a record with no history (the seed data, a bulk import).
"""

import json

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django_countries import countries
from reversion.models import Version

from mechanisms.models import Mechanism
from organisations.models import Organisation, Sector, Status

# Enough for a reader that polls daily; each entry costs no extra query.
ENTRIES = 50


def recent(filter_each=lambda queryset: queryset):
    """Return the ENTRIES published records saved last, of both kinds."""
    records = []
    for model in (Organisation, Mechanism):
        queryset = filter_each(model.objects.published())
        records += queryset.prefetch_related("sectors").order_by("-updated_at", "-pk")[
            :ENTRIES
        ]
    records.sort(key=lambda record: record.updated_at, reverse=True)
    return records[:ENTRIES]


def first_published(records):
    """Return {(model, pk): when the record's history first shows it published}."""
    found = {}
    for model in (Organisation, Mechanism):
        pks = [str(r.pk) for r in records if isinstance(r, model)]
        if not pks:
            continue
        versions = (
            Version.objects.get_for_model(model)
            .filter(object_id__in=pks)
            .select_related("revision")
            .order_by("revision__date_created")
        )
        for version in versions:
            key = (model, int(version.object_id))
            if key not in found and published_in(version):
                found[key] = version.revision.date_created
    return found


def published_in(version):
    try:
        fields = json.loads(version.serialized_data)[0]["fields"]
    except (ValueError, LookupError, TypeError):
        return False
    return fields.get("status") == Status.PUBLISHED


class DirectoryFeed(Feed):
    """New and updated records of the whole directory."""

    feed_type = Atom1Feed

    def __init__(self, request):
        # One feed object per request (see the views below): it keeps the request
        # and its entries' dates, which a shared object would mix between threads.
        self.request = request
        self.published = {}

    def title(self, obj):
        return _("coopdir: new and updated records")

    def subtitle(self, obj):
        return _(
            "Organisations and international working mechanisms newly published or "
            "updated in the directory."
        )

    def link(self, obj):
        return reverse("home")

    def feed_url(self, obj):
        return self.request.path

    def items(self, obj):
        records = recent()
        self.published = first_published(records)
        return records

    def item_title(self, record):
        chinese = getattr(record, "chinese_name", "")
        if chinese and (translation.get_language() or "").startswith("zh"):
            return f"{chinese} ({record.name})"
        return f"{record.name} ({record.acronym})" if record.acronym else record.name

    def item_description(self, record):
        return record.summary or getattr(record, "purpose", "") or ""

    def item_updateddate(self, record):
        return record.updated_at

    def item_pubdate(self, record):
        return self.published.get((type(record), record.pk), record.created_at)

    def item_categories(self, record):
        return [str(sector.label) for sector in record.sectors.all()]


class CountryFeed(DirectoryFeed):
    """New and updated records in a country (any of a record's countries, as the
    country filter has it)."""

    def get_object(self, request, code):
        code = code.upper()
        if code not in countries:
            raise Http404(
                _("There is no country with the code “%(code)s”.") % {"code": code}
            )
        return code

    def title(self, obj):
        return _("coopdir: new and updated records in %(country)s") % {
            "country": countries.name(obj)
        }

    def link(self, obj):
        return reverse("countries:detail", args=[obj])

    def items(self, obj):
        records = recent(lambda queryset: queryset.in_country(obj))
        self.published = first_published(records)
        return records


class SectorFeed(DirectoryFeed):
    """New and updated records in a sector or one of its sub-sectors."""

    def get_object(self, request, slug):
        return get_object_or_404(Sector, slug=slug)

    def title(self, obj):
        return _("coopdir: new and updated records in the sector %(sector)s") % {
            "sector": obj.label
        }

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        records = recent(lambda queryset: queryset.in_sector(obj))
        self.published = first_published(records)
        return records


def directory_feed(request):
    return DirectoryFeed(request)(request)


def country_feed(request, code):
    return CountryFeed(request)(request, code=code)


def sector_feed(request, slug):
    return SectorFeed(request)(request, slug=slug)
