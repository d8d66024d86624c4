"""Template filters the public pages of both apps share."""

import json

import markdown as markdown_lib
import nh3
from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_countries import countries

register = template.Library()

# What a description may keep after Markdown: text structure and links, no images,
# no tables, nothing that runs or loads anything.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3",
    "h4", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def markdown(text):
    """Render staff-written Markdown as sanitised HTML."""
    if not text:
        return ""
    html = markdown_lib.markdown(str(text), output_format="html")
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


@register.filter
def json_ld(data):
    """Return data as a schema.org JSON-LD script element, safe inside HTML."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_ESCAPES)),
    )


@register.filter
def verbose_name(record):
    return record._meta.verbose_name


@register.filter
def model_name(record):
    return record._meta.model_name


@register.simple_tag(takes_context=True)
def language_versions(context):
    """Return [{code, name, url, current}]: this page in each language, its query
    (filters, page, order) kept; the other language's home where the page has no
    twin (a 404)."""
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    current = translation.get_language()
    versions = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:
            url = "/" if code == settings.LANGUAGE_CODE else f"/{code}/"
        versions.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": url,
                "current": code == current,
            }
        )
    return versions


def chinese_page():
    return (translation.get_language() or "").startswith("zh")


@register.filter
def en(value):
    """Mark value (English data: a name, a summary) as English, so a Chinese page
    says which of its words are not Chinese (and a screen reader reads them so)."""
    if value in (None, ""):
        return ""
    return format_html('<span lang="en">{}</span>', value)


@register.filter
def chinese_title(record):
    """Whether record goes by its Chinese name on this page."""
    return bool(chinese_page() and record.chinese_name)


@register.filter
def name_html(record, beside=""):
    """The record's name for this page: its Chinese name on Chinese pages where the
    data has it (with the English beside when asked: "beside"), else its English
    name marked as English; search highlights kept."""
    english = getattr(record, "marked_name", None) or record.name
    if chinese_title(record):
        chinese = getattr(record, "marked_native_name", None) or record.chinese_name
        if beside:
            return format_html(
                '<span lang="zh-Hans">{}</span> <span class="name-beside" lang="en">'
                "{}</span>",
                chinese,
                english,
            )
        return format_html('<span lang="zh-Hans">{}</span>', chinese)
    return en(english)


@register.filter
def short_name_html(record):
    """The record's acronym (marked as English) where it has one, else name_html:
    a breadcrumb names a record as briefly as its heading allows."""
    if getattr(record, "acronym", ""):
        return en(record.acronym)
    return name_html(record)


@register.filter
def sector_html(sector):
    """A sector's name in this page's language, or in English marked so."""
    return format_html('<span lang="{}">{}</span>', sector.label_language, sector.label)


@register.filter
def as_typed(value):
    """What a visitor typed, shown back: in no known language, not to translate."""
    return format_html('<span translate="no">{}</span>', value)


@register.inclusion_tag("includes/feed_links.html")
def feed_links(groups=(), country="", sector=None):
    """Return the Atom feeds a page offers, for <link rel="alternate"> in its head:
    the directory's, and those of the country and sector it shows (sector: a
    Sector) or is filtered by (groups: its facet groups, selected values labelled
    already, so that the head asks the database nothing)."""
    named = {"country": {}, "sector": {}}
    if country and country in countries:
        named["country"][country] = countries.name(country)
    if sector is not None:
        named["sector"][sector.slug] = sector.label
    for group in groups or ():
        if group["name"] in named:
            for value in group["values"]:
                if value["selected"]:
                    named[group["name"]].setdefault(value["value"], value["label"])
    feeds = [{"title": _("coopdir: new and updated records"), "url": reverse("feed")}]
    for code, name in named["country"].items():
        feeds.append(
            {
                "title": _("New and updated records in %(country)s")
                % {"country": name},
                "url": reverse("countries:feed", args=[code.upper()]),
            }
        )
    for slug, label in named["sector"].items():
        feeds.append(
            {
                "title": _("New and updated records in the sector %(sector)s")
                % {"sector": label},
                "url": reverse("sectors:feed", args=[slug]),
            }
        )
    return {"feeds": feeds}
