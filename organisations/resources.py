"""Bulk import and export of organisations (and the base mechanisms build on).

A file is read in two steps: a dry run that shows row by row what would be created,
changed or rejected (with the reason) and which values were normalised; then the
import, which applies exactly what the dry run showed in one transaction or nothing.
"""

import copy
import datetime
import difflib
import functools
import hashlib
import json
import re
from decimal import Decimal

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries import countries
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff, ModelResource
from import_export.results import RowResult
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget
from slugify import slugify

from coopdir.rest import review

from . import history, importing
from .models import (
    Organisation,
    OrganisationCountry,
    Sector,
    Status,
    lf_line_ends,
)
from .models import can_publish as user_can_publish

MAX_IMPORT_BYTES = 10 * 1024 * 1024
# Rows applied per transaction: each batch holds the write lock for a few seconds.
IMPORT_BATCH_ROWS = 200
WRITES = {RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE}
LIST_SEPARATOR = ";"

# Country values seen in real files that are neither ISO codes nor English names.
COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "el": "GR",
    "österreich": "AT",
    "deutschland": "DE",
    "belgique": "BE",
    "belgië": "BE",
    "ελλάδα": "GR",
    "ελλαδα": "GR",
    "latvija": "LV",
    "slovenija": "SI",
    "românia": "RO",
    "romania": "RO",
    "portogallo": "PT",
    "hrvatska": "HR",
    "česko": "CZ",
    "česká republika": "CZ",
    "slovensko": "SK",
    "magyarország": "HU",
    "polska": "PL",
    "suomi": "FI",
    "españa": "ES",
    "italia": "IT",
    "éire": "IE",
    "eesti": "EE",
    "lietuva": "LT",
    "nederland": "NL",
    "schweiz": "CH",
    "suisse": "CH",
    "sverige": "SE",
    "danmark": "DK",
    "norge": "NO",
    "中国": "CN",
    "中华人民共和国": "CN",
    "china": "CN",
}

# Labels of the columns that are no model field (errors are keyed by column).
EXTRA_LABELS = {
    "countries": gettext_lazy("countries of operation"),
    "source_url": gettext_lazy("source URLs"),
    "source_titles": gettext_lazy("source titles"),
}

# ISO codes that real files use for another country: refuse rather than guess.
AMBIGUOUS_CODES = {
    "SR": gettext_lazy(
        "“SR” is the ISO code of Suriname but is often written for Slovakia "
        "(Slovenská republika); write SK or a country name"
    ),
}

_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?$", re.UNICODE)
_validate_url = URLValidator(schemes=["http", "https"])


@functools.cache
def _country_codes():
    return frozenset(code for code, _name in countries)


@functools.cache
def _country_names(language):
    """Return {name casefolded: code} in language (django-countries translates)."""
    names = {}
    for code, name in countries:
        names[str(name).casefold()] = code
    names.update({k.casefold(): v for k, v in COUNTRY_ALIASES.items()})
    return names


def normalise_country(value):
    """Return (ISO code, note) for a country as people write it.

    Raise ValueError naming the value when it is no country we can tell.
    """
    text = " ".join(str(value or "").split())
    if not text:
        return "", None
    upper = text.upper()
    if upper in AMBIGUOUS_CODES:
        raise ValueError(str(AMBIGUOUS_CODES[upper]))
    if len(text) == 2 and upper in _country_codes():
        note = None if text == upper else _("“%(v)s” → %(c)s") % {"v": text, "c": upper}
        return upper, note
    names = _country_names(get_language())
    key = text.casefold()
    code = names.get(key) or countries.by_name(text)
    if code:
        return code, _("“%(v)s” → %(c)s (%(name)s)") % {
            "v": text,
            "c": code,
            "name": countries.name(code),
        }
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.8)
    if close:
        code = names[close[0]]
        return code, _("“%(v)s” read as %(name)s (%(c)s), the nearest name") % {
            "v": text,
            "c": code,
            "name": countries.name(code),
        }
    raise ValueError(_("unknown country “%(v)s”") % {"v": text})


def normalise_url(value):
    """Return (URL, note): a web address made whole, or "" with why it was dropped."""
    text = str(value or "").strip()
    if not text:
        return "", None
    tokens = text.split()
    note = None
    if len(tokens) > 1:
        note = _("several addresses given; kept the first")
    first = tokens[0].rstrip(",;")
    if "@" in first and "/" not in first:
        return "", _("“%(v)s” is an e-mail address, not a website: dropped") % {
            "v": first
        }
    candidate = first
    if not re.match(r"^https?://", candidate, re.I):
        if not _DOMAIN.match(candidate):
            return "", _("“%(v)s” is not a web address: dropped") % {"v": text[:80]}
        candidate = "http://" + candidate
        note = _("added http:// to “%(v)s”") % {"v": first}
    try:
        _validate_url(candidate)
    except ValidationError:
        return "", _("“%(v)s” is not a web address: dropped") % {"v": text[:80]}
    if len(candidate) > 300:
        return "", _("web address longer than 300 characters: dropped")
    return candidate, note


def split_list(value):
    return [
        part.strip()
        for part in re.split(r"[;,]", str(value or ""))
        if part and part.strip()
    ]


class SlugWidget(ForeignKeyWidget):
    """A foreign key by slug that names the slug it cannot find.

    Each slug is looked up once per import; records the import writes are
    known by their slug from their row on (a later row may name them as parent).
    """

    def __init__(self, model):
        super().__init__(model)
        self.known = {}

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            return None
        if value not in self.known:
            self.known[value] = self.model._default_manager.filter(slug=value).first()
        found = self.known[value]
        if found is None:
            raise ValueError(
                _("no %(model)s with slug “%(slug)s”")
                % {"model": self.model._meta.verbose_name, "slug": value}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class SlugsWidget(ManyToManyWidget):
    """Many-to-many by slug; every slug must exist. The table (sectors) is small:
    read whole once per import."""

    def __init__(self, model):
        super().__init__(model, separator=LIST_SEPARATOR, field="slug")
        self.by_slug = None

    def _all(self):
        if self.by_slug is None:
            self.by_slug = {o.slug: o for o in self.model._default_manager.all()}
        return self.by_slug

    def clean(self, value, row=None, **kwargs):
        slugs = split_list(value)
        known = self._all()
        missing = sorted(set(slugs) - set(known))
        if missing:
            raise ValueError(
                _("unknown %(model)s: %(slugs)s")
                % {"model": self.model._meta.verbose_name, "slugs": ", ".join(missing)}
            )
        return [known[slug] for slug in dict.fromkeys(slugs)]

    def render_pks(self, pks):
        """Return the slugs of the records pks, as the export writes them."""
        slugs = {o.pk: o.slug for o in self._all().values()}
        return self.separator.join(sorted(slugs.get(pk, str(pk)) for pk in pks))


class BatchInstanceLoader(BaseInstanceLoader):
    """Load the stored records of a batch of rows when its first row is read, with
    their countries, sectors and sources (importing.load_stored): a few queries a
    batch, inside the batch's transaction, instead of several a row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.slug_field = resource.fields["slug"]
        self.slugs = []
        if dataset is not None and "slug" in (dataset.headers or []):
            column = dataset.headers.index("slug")
            self.slugs = [str(values[column] or "").strip() for values in dataset]
        self.position = {}
        for number, slug in enumerate(self.slugs):
            self.position.setdefault(slug, number)
        self.found, self.loaded_to = {}, 0

    def get_instance(self, row):
        slug = str(self.slug_field.clean(row) or "").strip()
        start = self.position.get(slug)
        if start is not None and start >= self.loaded_to:
            chunk = self.slugs[start : start + IMPORT_BATCH_ROWS]
            lock = getattr(self.resource, "_locking", False)
            self.found.update(importing.load_stored(self.resource, chunk, lock=lock))
            self.loaded_to = start + IMPORT_BATCH_ROWS
        return self.found.get(slug)


STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')


class UnstyledDiff(Diff):
    """The dry run's cell diffs coloured by css/admin/import.css: the
    Content-Security-Policy refuses the style attributes diff-match-patch writes."""

    def as_html(self):
        return [mark_safe(STYLE_ATTRIBUTE.sub("", html)) for html in super().as_html()]

    # Many-to-many values as the import holds them, not read row by row (Diff
    # calls Diff._read_field_values by name, so both callers are replaced).
    def __init__(self, resource, instance, new):
        self.left = self._values(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self._values(resource, instance)

    @staticmethod
    def _values(resource, instance):
        return [resource.diff_value(f, instance) for f in resource.get_import_fields()]


class EntityResource(ModelResource):
    """Shared by the organisation and mechanism resources."""

    # Column names people use for ours.
    HEADER_ALIASES = {
        "country": "hq_country",
        "city": "hq_city",
        "url": "website",
        "source_uri": "source_url",
        "source": "source_url",
    }
    REQUIRED_HEADERS = ["name"]
    # Fields the import has already checked: the parent looked up by its widget,
    # the country read into an ISO code by normalise_country (validating it
    # again walks the ~250 countries: 40% of the dry run's time).
    NORMALISED = ["parent", "hq_country"]
    country_model = None
    country_fk = None

    countries = Field(column_name="countries")
    source_urls = Field(column_name="source_url")
    # Export only: a source without a web address is known by its title.
    source_titles = Field(column_name="source_titles", readonly=True)
    import_notes = Field(
        attribute="import_notes", column_name="import notes", readonly=True
    )

    def get_diff_class(self):
        return UnstyledDiff

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user = kwargs.get("user")
        self.sr_as_slovakia = bool(kwargs.get("sr_as_slovakia"))
        self.import_status = kwargs.get("import_status") or Status.DRAFT
        self.row_notes = {}
        self.row_rejections = {}

    def get_user_visible_fields(self):
        # The notes column is the dry run's own output, not something to fill in.
        return [
            f
            for f in super().get_user_visible_fields()
            if f.column_name not in ("import notes", "source_titles")
        ]

    def get_export_fields(self, selected_fields=None):
        return [
            f
            for f in super().get_export_fields(selected_fields)
            if f.column_name != "import notes"
        ]

    # --- reading the file ---------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user") or self.user
        by_label = self.columns_by_label()
        headers = [
            self.HEADER_ALIASES.get(h) or by_label.get(h, h)
            for h in (
                str(h or "").strip().lstrip("\ufeff").lower() for h in dataset.headers
            )
        ]
        missing = [h for h in self.REQUIRED_HEADERS if h not in headers]
        if missing:
            raise ValueError(
                _(
                    "The file has no column %(missing)s. Columns found: %(found)s. "
                    "Export a few records to see every column this import reads."
                )
                % {
                    "missing": ", ".join(f"“{m}”" for m in missing),
                    "found": ", ".join(headers) or _("none"),
                }
            )
        # Spreadsheets give None for an empty cell; text columns store "".
        rows = [
            dict(zip(headers, ("" if v is None else v for v in row), strict=False))
            for row in dataset
        ]
        self.adapt_rows(rows)
        self._assign_slugs(rows)
        if "slug" not in headers:
            headers.append("slug")
        for extra in ("kind", "description"):
            if extra not in headers and any(r.get(extra) for r in rows):
                headers.append(extra)
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append([row.get(h, "") for h in headers])

    def adapt_rows(self, rows):
        """Fill our columns from other columns a file may bring (hook)."""

    def _note(self, number, text):
        if text:
            self.row_notes.setdefault(number, []).append(str(text))

    def _reject(self, number, field, text):
        self.row_rejections.setdefault(number, {}).setdefault(field, []).append(
            str(text)
        )

    def _assign_slugs(self, rows):
        model = self._meta.model
        given = any(str(r.get("slug") or "").strip() for r in rows)
        seen_slugs, seen_keys = {}, {}
        existing = {}
        if not given:
            bases = [slugify(str(r.get("name") or ""))[:100] for r in rows]
            existing = dict(
                model._default_manager.filter(
                    slug__in=[b for b in bases if b]
                ).values_list("slug", "name")
            )
        for number, row in enumerate(rows, 1):
            name = " ".join(str(row.get("name") or "").split())
            row["name"] = name
            slug = str(row.get("slug") or "").strip()
            if slug:
                if slug in seen_slugs:
                    self._reject(
                        number,
                        "slug",
                        _("slug “%(slug)s” is also on row %(row)d")
                        % {"slug": slug, "row": seen_slugs[slug]},
                    )
                seen_slugs.setdefault(slug, number)
                continue
            if given or not name:
                continue  # the model's own validation names the empty value
            key = (name.casefold(), self._country_key(row.get("hq_country")))
            base = slugify(name)[:100] or "record"
            if key in seen_keys:
                self._reject(
                    number,
                    "name",
                    _("same name and country as row %(row)d") % {"row": seen_keys[key]},
                )
            seen_keys.setdefault(key, number)
            slug, n = base, 1
            while slug in seen_slugs or (
                slug in existing and existing[slug].casefold() != name.casefold()
            ):
                n += 1
                slug = f"{base}-{n}"
            seen_slugs[slug] = number
            row["slug"] = slug
            self._note(number, _("slug “%(slug)s” made from the name") % {"slug": slug})

    def rejects(self, dataset, result):
        """Return the rejected rows as editors read them: number, the record's
        name, the reasons under the fields' labels, and the row as read."""
        found = []
        for invalid in result.invalid_rows:
            values = dict(
                zip(dataset.headers, dataset[invalid.number - 1], strict=False)
            )
            reasons = [
                (self.field_label(name), messages_)
                for name, messages_ in invalid.error_dict.items()
            ]
            found.append(
                {
                    "number": invalid.number,
                    "name": values.get("name", ""),
                    "reasons": reasons,
                    "values": values,
                }
            )
        return found

    def field_label(self, name):
        """Return the label editors know a column by ("headquarters country")."""
        if name == NON_FIELD_ERRORS:
            return ""
        if name in EXTRA_LABELS:
            return capfirst(EXTRA_LABELS[name])
        try:
            label = self._meta.model._meta.get_field(name).verbose_name
        except (FieldDoesNotExist, AttributeError):
            label = name
        return capfirst(label)

    def _country_key(self, value):
        # "UK" and "England" are one country: compare what they are read as.
        try:
            return self._read_country(value)[0]
        except ValueError:
            return " ".join(str(value or "").split()).casefold()

    def _read_country(self, value):
        """Return (code, note) as normalise_country, SR read as chosen at import."""
        text = " ".join(str(value or "").split())
        if self.sr_as_slovakia and text.upper() == "SR":
            return "SK", _("“%(v)s” read as Slovakia (SK), as chosen at import") % {
                "v": text
            }
        return normalise_country(value)

    # --- one row ------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, **kwargs):
        """Import dataset: a dry run in one transaction rolled back; a real import
        in batches of IMPORT_BATCH_ROWS rows, each committed in its own transaction
        with its history and search index update, so no import holds SQLite's
        write lock for long. Given dry_run_digests (batch_digests of the dry run),
        a batch that differs from the dry run, or fails, is rolled back and the
        import stops there: result.coopdir_stopped says which rows were imported
        and why the rest were not.

        Both read each batch's stored records in a few queries and write its rows
        in bulk (organisations/importing.py), the dry run as the import does.
        """
        # coopdir owns the search index (it imports both apps, never the other way
        # round): index once per batch instead of once per saved row.
        from coopdir.search import signals

        self._entries, self._batch_rows, self._saved = [], [], None
        self._locking = False
        if dry_run:
            # One transaction, rolled back; no savepoint per row (two queries a
            # row): rows only read, and each batch's writes have their own.
            for unused in ("use_transactions", "rollback_on_validation_errors"):
                kwargs.pop(unused, None)
            with signals.suspended(), transaction.atomic():
                result = self.import_data_inner(
                    dataset,
                    True,
                    kwargs.pop("raise_errors", False),
                    False,
                    kwargs.pop("collect_failed_rows", False),
                    **kwargs,
                )
                transaction.set_rollback(True)
            return result
        self._locking = connection.vendor == "postgresql"
        self._expected = kwargs.pop("dry_run_digests", None)
        self._batch, self._done = None, 0
        self._stopped = None
        kwargs["use_transactions"] = False  # the batches are the transactions
        try:
            with signals.suspended():
                result = super().import_data(dataset, dry_run=False, **kwargs)
        finally:
            if self._batch is not None:  # an error escaped: nothing of it stays
                self._close_batch(commit=False)
        result.coopdir_stopped = self._stopped
        return result

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.coopdir_rejects = self.rejects(dataset, result)
        if kwargs.get("dry_run"):
            self._write_batch()
        else:
            self._end_batch()
        # Rows of a batch rolled back, never applied, or failing when written in
        # bulk: counted as they ended.
        for key in result.totals:
            result.totals[key] = 0
        for row_result in result.rows:
            result.increment_row_result_total(row_result)

    def import_row(self, row, instance_loader, **kwargs):
        dry_run = kwargs.get("dry_run")
        if not dry_run:
            if self._stopped:
                row_result = self.get_row_result_class()()
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                return row_result
            if self._batch is None:
                self._batch = transaction.atomic()
                self._batch.__enter__()
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self._saved is not None:
            if row_result.import_type in WRITES:
                self._entries.append((*self._saved, row_result))
            self._saved = None
        self._batch_rows.append(row_result)
        if len(self._batch_rows) >= IMPORT_BATCH_ROWS:
            if dry_run:
                self._write_batch()
            else:
                self._end_batch()
        return row_result

    def save_instance(self, instance, is_create, row, **kwargs):
        # Written with its batch (_write_batch); known as a parent from now on.
        self._saved = (instance, row, kwargs.get("row_number"))
        parent = self.fields.get("parent")
        if parent is not None and parent.widget.model is self._meta.model:
            parent.widget.known[instance.slug] = instance

    def save_m2m(self, instance, row, **kwargs):
        """Nothing here: import_instance read the row's sectors and sources, and
        the batch writes them with their record."""

    def _write_batch(self):
        """Write the batch's new and changed records and their rows in bulk; a row
        whose write fails is marked failed with the database's reason."""
        entries, self._entries = self._entries, []
        self._batch_rows = []
        failed = importing.write_rows(self, [(e[0], e[3]) for e in entries])
        rows = {id(e[3]): e for e in entries}
        for _instance, row_result, error in failed:
            _obj, row, number, _result = rows[id(row_result)]
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(
                self.get_error_result_class()(error, row=row, number=number)
            )
        written = []
        for instance, _row, _number, row_result in entries:
            if row_result.import_type in WRITES:
                row_result.object_id = instance.pk
                written.append(instance)
        return entries, written

    def _end_batch(self):
        """Write the open batch, then commit it with its history and index update,
        or roll it back and stop."""
        from coopdir.search import engine

        if self._batch is None:
            return
        rows = self._batch_rows
        first, last = self._done + 1, self._done + len(rows)
        changed = [e[0] for e in self._entries if e[0].pk is not None]
        # A record without history gets its state before the import first.
        history.ensure_baselines(changed, self.user)
        _entries, written = self._write_batch()
        failed = next((r for r in rows if r.errors), None)
        number = self._done // IMPORT_BATCH_ROWS
        expected = self._expected
        if failed is not None:
            why = _("a row failed: %(error)s") % {"error": failed.errors[0].error}
        elif expected is not None and (
            number >= len(expected) or rows_digest(rows) != expected[number]
        ):
            why = _("the data changed since the dry run")
        else:
            # One revision per record: reverting one never reverts the others.
            history.save_versions(written, self.user, _("Imported from a file."))
            engine.index_records(self._meta.model, [obj.pk for obj in written])
            self._close_batch(commit=True)
            self._done = last
            return
        self._close_batch(commit=False)
        for row_result in rows:
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        if not self._done:
            self._stopped = _("%(why)s: nothing was changed. Run the dry run again.")
        else:
            self._stopped = _(
                "Rows %(first)d to %(last)d were not imported because %(why)s, nor "
                "was any row after them. %(done)d rows before them were imported as "
                "the dry run showed. Run the dry run again to import the rest."
            )
        self._stopped %= {
            "first": first,
            "last": last,
            "why": capfirst(why) if not self._done else why,
            "done": self._done,
        }

    def _close_batch(self, commit):
        if not commit:
            transaction.set_rollback(True)
        batch, self._batch, self._batch_rows = self._batch, None, []
        self._entries = []
        batch.__exit__(None, None, None)

    def after_init_instance(self, instance, new, row, **kwargs):
        # The record as stored, for the review step (import_instance changes it).
        instance._import_before = None if new else copy.copy(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Skip a row that would change nothing, its countries and sources too."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        stored = importing.stored_of(original)
        for field in self.get_import_fields():
            if field.readonly or field.attribute is None:
                continue  # the notes; countries and sources are compared below
            if isinstance(field.widget, ManyToManyWidget):
                if field.column_name not in row:
                    continue
                given = importing.m2m_after(instance, field.attribute)
                if given != set(stored.m2m.get(field.attribute, {})):
                    return False
            elif field.get_value(instance) != field.get_value(original):
                return False
        if instance.import_countries is not None:
            if importing.countries_after(instance) != set(stored.countries):
                return False
        return set(instance.import_source_urls) <= stored.source_urls

    def diff_value(self, field, instance):
        """Return field's value in the dry run's table, as the row leaves it."""
        if instance is not None and isinstance(field.widget, ManyToManyWidget):
            return field.widget.render_pks(
                importing.m2m_after(instance, field.attribute)
            )
        return field.export(instance)

    def import_instance(self, instance, row, **kwargs):
        number = kwargs.get("row_number")
        errors = {}
        stored = getattr(instance, "_import_before", None)
        for field, messages_ in self.row_rejections.get(number, {}).items():
            errors[field] = messages_
        if "hq_country" in row:
            try:
                code, note = self._read_country(row["hq_country"])
                row["hq_country"] = code
                self._note(number, note or ("" if code else _("no country given")))
            except ValueError as e:
                errors["hq_country"] = [str(e)]
                row["hq_country"] = ""
        if "website" in row:
            url, note = normalise_url(row["website"])
            row["website"] = url
            self._note(number, note)
        if "kind" in row:
            row["kind"] = str(row["kind"] or "").strip()
        codes = []
        for value in split_list(row.get("countries")):
            try:
                code, note = self._read_country(value)
                codes.append(code)
                self._note(number, note)
            except ValueError as e:
                errors.setdefault("countries", []).append(str(e))
        instance.import_countries = codes if "countries" in row else None
        instance.import_source_urls = split_list(row.get("source_url"))
        for url in instance.import_source_urls:
            try:
                _validate_url(url)
            except ValidationError:
                errors.setdefault("source_url", []).append(
                    _("“%(v)s” is not a web address") % {"v": url[:80]}
                )
        instance._import_m2m = {}
        for field in importing.m2m_fields(self):
            if field.column_name in row:
                try:
                    instance._import_m2m[field.attribute] = field.clean(row)
                except ValueError as e:
                    errors.setdefault(field.column_name, []).append(str(e))
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            for field, messages_ in e.message_dict.items():
                errors.setdefault(field, []).extend(messages_)
        lf_line_ends(instance)  # as saved, so an unchanged row reads as unchanged
        if instance.pk is None and not str(row.get("status") or "").strip():
            instance.status = self.import_status
        # The review step decides on the record as it stands, as on every page.
        refused = review.refusal(self.user, stored)
        if refused:
            errors.setdefault("status", []).append(refused)
        elif not user_can_publish(self.user, self._meta.model):
            if instance.status == Status.PUBLISHED:
                errors.setdefault("status", []).append(
                    _("only a publisher can publish; use draft or review")
                )
        instance.import_notes = "; ".join(self.row_notes.get(number, []))
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        # Each check constraint and unique field costs a query per row: the field
        # validators and clean() cover the constraints (the database still
        # enforces them), and the one unique field, the slug, is what the row's
        # record was looked up by. The parent was looked up by its widget.
        try:
            instance.full_clean(
                exclude=[*errors.keys(), *self.NORMALISED],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if getattr(instance, "relation_to_parent", "") and not getattr(
            instance, "parent", None
        ):
            errors.setdefault("relation_to_parent", []).append(
                _("a relation to parent needs a parent")
            )
        if errors:
            raise ValidationError(errors)

    # --- export -------------------------------------------------------------

    # Rows exported beside the records in an XLSX file, one sheet each (related
    # names); the import reads the first sheet only.
    EXTRA_SHEETS = ()

    def columns_by_label(self):
        """Return {lower-case label: column} of the labels an export writes, in
        English and the current language, so an export imports back."""
        found = {}
        for language in ("en", translation.get_language() or "en"):
            with translation.override(language):
                for field in self.get_export_fields():
                    label = str(self.field_label(field.column_name)).lower()
                    found.setdefault(label, field.column_name)
        return found

    def get_export_headers(self, selected_fields=None):
        # What people read ("Headquarters country"), not hq_country.
        return [
            str(self.field_label(field.column_name))
            for field in self.get_export_fields(selected_fields)
            if field
        ]

    def export(self, *args, **kwargs):
        data = super().export(*args, **kwargs)
        data.title = capfirst(str(self._meta.model._meta.verbose_name_plural))
        return data

    def extra_sheets(self, queryset=None):
        """Return a tablib.Dataset per EXTRA_SHEETS of the records' rows, titled
        after what it holds ("Key figures"), with readable headers and values."""
        model = self._meta.model
        if queryset is None:
            queryset = model._default_manager.all()
        records = {
            r.pk: r for r in queryset.select_related(None).only("pk", "slug", "name")
        }
        sheets = []
        for name in self.EXTRA_SHEETS:
            relation = model._meta.get_field(name)
            row_model = relation.related_model
            fk = relation.field
            fields = [
                f
                for f in row_model._meta.concrete_fields
                if not f.primary_key and f is not fk
            ]
            related = [f.name for f in fields if f.is_relation]
            rows = row_model._default_manager.filter(
                **{f"{fk.name}__in": list(records)}
            ).select_related(*related)
            sheet = tablib.Dataset(
                headers=[
                    capfirst(str(model._meta.verbose_name)),
                    _("Slug"),
                    *(capfirst(str(f.verbose_name)) for f in fields),
                ],
                title=capfirst(str(row_model._meta.verbose_name_plural)),
            )
            for row in rows:
                record = records[getattr(row, fk.attname)]
                sheet.append(
                    [record.name, record.slug, *(_cell(row, f) for f in fields)]
                )
            sheets.append(sheet)
        return sheets

    def dehydrate_source_titles(self, obj):
        return LIST_SEPARATOR.join(s.title for s in obj.sources.all())

    def dehydrate_countries(self, obj):
        return LIST_SEPARATOR.join(sorted(str(c.country) for c in obj.countries.all()))

    def dehydrate_source_urls(self, obj):
        return LIST_SEPARATOR.join(s.url for s in obj.sources.all() if s.url)


# The SUSY / TransforMap codes for the kinds of initiative, mapped to ours.
INITIATIVE_KINDS = [
    ("cooperative", Organisation.Kind.COOPERATIVE),
    ("networking", Organisation.Kind.NETWORK),
    ("network", Organisation.Kind.NETWORK),
    ("ngo", Organisation.Kind.ASSOCIATION),
    ("ethicalfinance", Organisation.Kind.BANK),
    ("bank", Organisation.Kind.BANK),
]


def _cell(row, field):
    """Return row's field as a reader of a spreadsheet wants it: a source by its
    title, a choice by its label, a country by its code."""
    if field.is_relation:
        related = getattr(row, field.name)
        if related is None:
            return ""
        return getattr(related, "title", None) or str(related)
    value = getattr(row, field.attname)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if value is None:
        return ""
    if isinstance(value, (str, int, Decimal, datetime.date)):
        return value
    return str(value)


def export_book(main, sheets):
    """Return the XLSX bytes of the main dataset and the extra sheets after it."""
    return tablib.Databook([main, *sheets]).export("xlsx")


class OrganisationResource(EntityResource):
    country_model = OrganisationCountry
    country_fk = "organisation"
    EXTRA_SHEETS = ("key_figures", "other_names", "duties")

    parent = Field(
        attribute="parent", column_name="parent", widget=SlugWidget(Organisation)
    )
    sectors = Field(
        attribute="sectors", column_name="sectors", widget=SlugsWidget(Sector)
    )

    class Meta:
        model = Organisation
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
            "parent",
            "relation_to_parent",
            "governance",
            "hq_country",
            "hq_city",
            "countries",
            "founded_year",
            "founded_month",
            "founded_day",
            "sectors",
            "website",
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

    def adapt_rows(self, rows):
        for number, row in enumerate(rows, 1):
            if "type_of_initiative" in row and not str(row.get("kind") or "").strip():
                codes = str(row.get("type_of_initiative") or "").strip()
                kind = next(
                    (k for needle, k in INITIATIVE_KINDS if needle in codes),
                    Organisation.Kind.ASSOCIATION,
                )
                row["kind"] = kind
                if codes:
                    note = _("kind “%(kind)s” from the initiative type “%(codes)s”")
                else:
                    note = _("no initiative type: kind set to “%(kind)s”")
                self._note(number, note % {"kind": kind.label, "codes": codes})
            if not str(row.get("description") or "").strip():
                for header, value in row.items():
                    if header.startswith("description_") and str(value or "").strip():
                        row["description"] = value
                        self._note(
                            number,
                            _("description taken from %(col)s") % {"col": header},
                        )
                        break


class ImportChoices(forms.Form):
    """What the person chooses for a whole file, asked with it and kept to confirm."""

    import_status = forms.ChoiceField(
        label=gettext_lazy("Status of the imported records"),
        choices=Status.choices,
        initial=Status.DRAFT,
        required=False,
        help_text=gettext_lazy("For rows whose status column is empty or absent."),
    )
    sr_as_slovakia = forms.BooleanField(
        label=gettext_lazy("Read the country code “SR” as Slovakia (SK)"),
        required=False,
        help_text=gettext_lazy(
            "SR is the ISO code of Suriname; some files write it for Slovakia "
            "(Slovenská republika). Unticked, rows with SR are refused."
        ),
    )


class SizeLimitedImportForm(ImportForm, ImportChoices):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _(
                    "The file is %(size).1f MB; the limit is %(limit)d MB. Split it "
                    "into smaller files."
                ),
                params={
                    "size": upload.size / 1024 / 1024,
                    "limit": MAX_IMPORT_BYTES // 1024 // 1024,
                },
                code="too_large",
            )
        return upload


def rows_digest(rows, errors=()):
    """Return a fingerprint of what an import did to rows (RowResults)."""
    done = [
        [
            row.import_type,
            row.object_repr or "",
            sorted(row.validation_error.messages) if row.validation_error else [],
        ]
        for row in rows
    ]
    text = json.dumps([done, list(errors)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def result_digest(result):
    """Return a fingerprint of what an import did, row by row."""
    return rows_digest(result.rows, [str(e.error) for e in result.base_errors])


def batch_digests(result):
    """Return the fingerprint of each batch of IMPORT_BATCH_ROWS rows, in order."""
    rows = result.rows
    return [
        rows_digest(rows[start : start + IMPORT_BATCH_ROWS])
        for start in range(0, len(rows), IMPORT_BATCH_ROWS)
    ]


class SafeImportExportMixin(ImportExportMixin):
    """Import with a confirmed dry run (both run as jobs: organisations/jobs.py);
    export as CSV, XLSX or JSON."""

    import_template_name = "admin/coopdir/import.html"
    formats = [base_formats.CSV, base_formats.XLSX, base_formats.JSON]
    import_form_class = SizeLimitedImportForm
    from_encoding = "utf-8-sig"
    import_error_display = ("message",)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """An XLSX export holds the records' rows too, a sheet each (key
        figures, other names, …); CSV and JSON hold the records' table only."""
        if not isinstance(file_format, base_formats.XLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        main = self.get_data_for_export(
            request, queryset, force_native_type=True, **kwargs
        )
        resource_class = self.choose_export_resource_class(
            kwargs.get("export_form"), request
        )
        resource = resource_class(**self.get_export_resource_kwargs(request, **kwargs))
        return export_book(main, resource.extra_sheets(queryset))

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        chosen = getattr(form, "cleaned_data", None) or {}
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "user": request.user,
            "import_status": chosen.get("import_status") or Status.DRAFT,
            "sr_as_slovakia": bool(chosen.get("sr_as_slovakia")),
        }

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnicodeDecodeError):
            form.add_error(
                "import_file",
                _(
                    "The file is not UTF-8 text (byte 0x%(byte)02x at position "
                    "%(pos)d). Save it as “CSV UTF-8” and try again."
                )
                % {"byte": e.object[e.start], "pos": e.start},
            )
        else:
            form.add_error(
                "import_file",
                _(
                    "The file could not be read as the chosen format (%(error)s). "
                    "Check the format and try again."
                )
                % {"error": str(e)[:200] or type(e).__name__},
            )

    def process_import(self, request, **kwargs):
        # The confirm step of a page from before imports ran as jobs (jobs/).
        messages.error(
            request,
            _(
                "This dry run has already been used or has expired; nothing was "
                "changed. Upload the file again."
            ),
        )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
        )

    def process_result(self, result, request):
        stopped = getattr(result, "coopdir_stopped", None)
        if stopped:
            messages.error(request, stopped)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        super().add_success_message(result, request)
        if result.invalid_rows:
            messages.warning(
                request,
                _("%(count)d rejected rows were skipped, as confirmed.")
                % {"count": len(result.invalid_rows)},
            )


__all__ = [
    "OrganisationResource",
    "SafeImportExportMixin",
    "normalise_country",
    "normalise_url",
]
