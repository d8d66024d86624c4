"""The admin for staff who edit all day: organisations, sectors, sources, their facts.

HistoryAdmin and EntityAdmin are the bases the mechanisms admin builds on too.
"""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries
from reversion.admin import VersionAdmin
from reversion.models import Version

from coopdir import search
from coopdir.rest.review import ReviewedAdmin, ReviewedInline

from . import history, merging
from .jobs import JobsMixin
from .models import (
    Duty,
    KeyFigure,
    Membership,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    OrganisationRegion,
    Sector,
    Source,
    Status,
    can_publish,
)
from .resources import OrganisationResource, SafeImportExportMixin

# Registered here rather than left to VersionAdmin so that every save made inside
# a revision (admin, API, import) records the inline rows with their record.
reversion.register(Sector)
reversion.register(Source)
history.register_record(
    Organisation,
    follow=(
        "other_names",
        "duties",
        "countries",
        "regions_served",
        "memberships",
        "members",
        "key_figures",
    ),
)


class HistoryAdmin(ReviewedAdmin, VersionAdmin):
    """History, revert, recovery of deleted records, and a diff of two versions."""

    object_history_template = "admin/coopdir/object_history.html"
    history_latest_first = True

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{opts.app_label}_{opts.model_name}_compare",
            ),
            *super().get_urls(),
        ]

    def _baseline(self, request, pks):
        for obj in self.model._base_manager.filter(pk__in=pks):
            history.ensure_baseline(obj, request.user)
            for record in history.records_of(obj):
                history.ensure_baseline(record, request.user)

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "POST" and history.is_row(self.model):
            for record in history.records_of(self.model(), request.POST):
                history.ensure_baseline(record, request.user)
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            self._baseline(request, [unquote(object_id)])
            request.coopdir_skip_unchanged = True
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            # Browsers send textareas back with CRLF line ends: keep the text as
            # typed, or an untouched description reads as changed.
            post = request.POST.copy()
            for key, values in post.lists():
                post.setlist(key, [v.replace("\r\n", "\n") for v in values])
            request.POST = post
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if getattr(request, "coopdir_skip_unchanged", False) and not form.has_changed():
            return  # saved by save_related if one of its rows changed
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if getattr(request, "coopdir_skip_unchanged", False) and not form.has_changed():
            if any(formset.has_changed() for formset in formsets):
                super().save_model(request, form.instance, form, change)
            else:
                # Nothing changed: no save, no version, no log entry.
                request.coopdir_unchanged = True
        super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._comment_on_row(obj, entry.get_change_message())
        return entry

    def log_change(self, request, obj, message):
        if getattr(request, "coopdir_unchanged", False):
            return None
        entry = super().log_change(request, obj, message)
        self._comment_on_row(obj, entry.get_change_message())
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        if len(queryset) == 1:
            self._comment_on_row(queryset[0], _("Deleted."))
        return entries

    def _comment_on_row(self, obj, message):
        # A row's revision is listed in its record's history: say which row.
        if reversion.is_active() and history.is_row(type(obj)):
            reversion.set_comment(history.row_comment(obj, message))

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            self._baseline(request, [unquote(object_id)])
            if history.is_row(self.model):
                # Deleting a row changes its record: a version of the record.
                with self.create_revision(request):
                    return super().delete_view(request, object_id, extra_context)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        if not history.is_row(self.model):
            return super().delete_queryset(request, queryset)
        # One revision per row, as actions record one per record.
        for obj in queryset:
            with self.create_revision(request):
                reversion.set_comment(history.row_comment(obj, _("Deleted.")))
                obj.delete()

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "action" in request.POST:
            # Actions record one revision per record (reverting one record must
            # not revert the others), so they run outside VersionAdmin's
            # request-wide revision.
            self._baseline(request, request.POST.getlist(ACTION_CHECKBOX_NAME))
            context = {
                "has_change_permission": self.has_change_permission(request),
                **(extra_context or {}),
            }
            return admin.ModelAdmin.changelist_view(self, request, context)
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        for action in getattr(response, "context_data", {}).get("action_list", []):
            # The revision URL ends with the version's id: the compare form needs it.
            action["version_id"] = action["url"].rstrip("/").rsplit("/", 1)[-1]
        return response

    def compare_view(self, request, object_id):
        """Show what changed between two versions (?old=<id>&new=<id>)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        versions = Version.objects.get_for_object_reference(self.model, object_id)
        try:
            old = versions.get(pk=int(request.GET.get("old", "")))
            new = versions.get(pk=int(request.GET.get("new", "")))
        except (ValueError, Version.DoesNotExist):
            raise Http404(_("Choose two versions of this record to compare.")) from None
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        fields, related = history.compare(old, new)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare versions of %(name)s") % {"name": new.object_repr},
            "opts": opts,
            "object_id": object_id,
            "old": old,
            "new": new,
            "field_changes": fields,
            "related_changes": related,
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id]
            ),
        }
        return TemplateResponse(request, "admin/coopdir/compare.html", context)


class CountryListFilter(admin.SimpleListFilter):
    """Filter by the country rows (every country a record works in)."""

    title = gettext_lazy("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = set(
            model_admin.country_model.objects.order_by()
            .values_list("country", flat=True)
            .distinct()
        )
        return sorted(
            ((code, countries.name(code)) for code in codes), key=lambda c: str(c[1])
        )

    def queryset(self, request, queryset):
        code = self.value()
        if code:
            return queryset.in_country(code)
        return queryset


class EntityForm(forms.ModelForm):
    """Refuse a publish by a non-publisher and a save over someone else's save."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user = None  # set on the per-request class by EntityAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        status = self.fields.get("status")
        published = self.instance.pk and self.instance.status == Status.PUBLISHED
        if status is not None and not published:
            if not can_publish(self.user, self._meta.model):
                # Not offered what clean_status would refuse (the menu only: a
                # forged "published" still gets clean_status's reason).
                status.widget.choices = [
                    c for c in status.choices if c[0] != Status.PUBLISHED
                ]

    def clean_status(self):
        status = self.cleaned_data.get("status")
        was = self.instance.status if self.instance.pk else None
        if can_publish(self.user, self._meta.model):
            return status
        if status == Status.PUBLISHED and was != Status.PUBLISHED:
            raise ValidationError(
                _(
                    "Only a publisher can publish. Save it as a draft or send it "
                    "for review."
                ),
                code="publish_denied",
            )
        if was == Status.PUBLISHED and status != Status.PUBLISHED:
            raise ValidationError(
                _("Only a publisher can unpublish."), code="unpublish_denied"
            )
        return status

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            if self.data.get(merging.PENDING):
                raise ValidationError(merging.PENDING_MESSAGE, code="conflict")
            self._refuse_stale(cleaned.get("loaded_version"))
        return cleaned

    def _refuse_stale(self, loaded):
        model = self._meta.model
        rows = model._base_manager.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        if current is None or loaded == current:
            return
        # Saved again meanwhile: the next save merges onto that save too.
        raise ValidationError(
            history.stale_message(self.instance, loaded), code="stale"
        )


class EntityAdmin(
    merging.MergeAdminMixin, JobsMixin, SafeImportExportMixin, HistoryAdmin
):
    """Shared admin of Organisation and Mechanism: workflow, concurrency, import
    (long imports, exports and status changes run as jobs: JobsMixin)."""

    form = EntityForm
    country_model = None
    actions = ["send_for_review", "publish", "unpublish"]
    readonly_fields = ["version", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ("name",)}
    save_on_top = True
    list_per_page = 50

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    def get_search_results(self, request, queryset, search_term):
        """Find what the directory's search finds (names in every language, pinyin,
        typos, texts), besides what search_fields match (slugs, cities, parts of
        words); the change list and the autocompletes alike."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if not search.normalise_query(search_term):
            return found, duplicates
        ranked = search.search(queryset, search_term).values("pk")
        either = Q(pk__in=ranked) | Q(pk__in=found.values("pk"))
        return queryset.filter(either), False

    def has_publish_permission(self, request):
        return can_publish(request.user, self.model)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        request.coopdir_current_version = (
            self.model._base_manager.filter(pk=object_id)
            .values_list("version", flat=True)
            .first()
        )
        return super().revision_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        # A revert writes the old row (old version number included) before the
        # form saves it: keep the numbers rising all the same.
        current = getattr(request, "coopdir_current_version", None)
        if current:
            obj.version = max(obj.version, current)
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="status status-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    def _set_status(self, request, queryset, status, allowed_from, done):
        # Read once: counted again after the change, a list filtered by status
        # (?status__exact=review) no longer holds the records just changed.
        selected = list(queryset.select_related(None).select_for_update())
        changed = self._apply_status(request, selected, status, allowed_from, done)
        self._status_messages(request, changed, len(selected) - changed, done)

    def _apply_status(self, request, selected, status, allowed_from, done):
        """Give status to the records of selected in allowed_from, each in its own
        revision; return how many changed."""
        changed = 0
        for obj in selected:
            if obj.status not in allowed_from:
                continue
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(done)
                obj.status = status
                obj.save()
            self.log_change(request, obj, done)
            changed += 1
        return changed

    def _status_messages(self, request, changed, skipped, done):
        self.message_user(
            request,
            ngettext(
                "%(done)s %(count)d record.", "%(done)s %(count)d records.", changed
            )
            % {"done": done, "count": changed},
            messages.SUCCESS if changed else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d record was already in that state and was left alone.",
                    "%(count)d records were already in that state and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def status_change(self, action):
        """Return (status, from which statuses, message, needs publish permission)
        of a status action by its name."""
        return {
            "send_for_review": (
                Status.REVIEW,
                [Status.DRAFT],
                _("Sent for review:"),
                False,
            ),
            "publish": (
                Status.PUBLISHED,
                [Status.DRAFT, Status.REVIEW],
                _("Published:"),
                True,
            ),
            "unpublish": (Status.DRAFT, [Status.PUBLISHED], _("Unpublished:"), True),
        }[action]

    def _status_action(self, request, queryset, action):
        # Many records: a background job (organisations/jobs.py), its page shown.
        job_page = self.status_job(request, queryset, action)
        if job_page is not None:
            return job_page
        status, allowed_from, done, _publish = self.status_change(action)
        with transaction.atomic():
            self._set_status(request, queryset, status, allowed_from, done)
        return None

    @admin.action(
        description=gettext_lazy("Send selected drafts for review"),
        permissions=["change"],
    )
    def send_for_review(self, request, queryset):
        return self._status_action(request, queryset, "send_for_review")

    @admin.action(
        description=gettext_lazy("Publish selected records"), permissions=["publish"]
    )
    def publish(self, request, queryset):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        return self._status_action(request, queryset, "publish")

    @admin.action(
        description=gettext_lazy("Unpublish selected records (back to draft)"),
        permissions=["publish"],
    )
    def unpublish(self, request, queryset):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        return self._status_action(request, queryset, "unpublish")


# --- inline rows: each read once, however many ---------------------------


class SelectedOnceAutocomplete(AutocompleteSelect):
    """An autocomplete that shows the option its formset read for all its rows.

    Django's reads each row's selected option on its own: a query per row and
    field (the ACFSMC's 22 key figures took 50 queries for their sources,
    sectors and parent figures).
    """

    known = None  # {str(pk): label}, set by SelectedOnceFormSet

    def optgroups(self, name, value, attr=None):
        if self.known is None:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        empty = self.choices.field.empty_values
        for pk in (str(v) for v in value if str(v) not in empty):
            if pk in self.known:
                options.append(
                    self.create_option(name, pk, self.known[pk], True, len(options))
                )
        return [(None, options, 0)]


class SelectedOnceFormSet(BaseInlineFormSet):
    """Read the selected options of every row's autocompletes in one query each."""

    @cached_property
    def forms(self):
        forms = super().forms
        chosen = {}  # field name: [(widget, value)]
        for form in forms:
            for name, form_field in form.fields.items():
                widget = getattr(form_field.widget, "widget", form_field.widget)
                if isinstance(widget, SelectedOnceAutocomplete):
                    chosen.setdefault(name, []).append((widget, form[name].value()))
        for name, pairs in chosen.items():
            form_field = forms[0].fields[name]
            pks = {str(v) for _w, v in pairs if v not in form_field.empty_values}
            known = {
                str(obj.pk): form_field.label_from_instance(obj)
                for obj in form_field.queryset.filter(pk__in=pks)
            }
            for widget, _value in pairs:
                widget.known = known
        return forms


class SelectedOnceInline:
    """Mixed into an inline: its autocompletes cost a query per field, not per row."""

    formset = SelectedOnceFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(
            request
        ):
            kwargs["widget"] = SelectedOnceAutocomplete(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- organisations ---------------------------------------------------------


class OrganisationNameInline(ReviewedInline, admin.TabularInline):
    model = OrganisationName
    extra = 0
    fields = ["name", "language", "kind"]


class DutyInline(ReviewedInline, admin.TabularInline):
    model = Duty
    extra = 0
    fields = ["position", "text"]


class OrganisationCountryInline(ReviewedInline, admin.TabularInline):
    model = OrganisationCountry
    extra = 0
    verbose_name_plural = gettext_lazy(
        "countries of operation (the headquarters country is added on save)"
    )


class OrganisationRegionInline(ReviewedInline, admin.TabularInline):
    model = OrganisationRegion
    extra = 0


class FigureInline(SelectedOnceInline, ReviewedInline, admin.TabularInline):
    """The inline for figures of either kind (they share FigureBase): one line
    each, what a reader sees of a figure; its date "as of", scope, segment,
    sector, parent figure, position and note are on the figure's own page (the
    row's link)."""

    extra = 0
    autocomplete_fields = ["source"]
    show_change_link = True
    fields = [
        "label",
        "metric",
        "period",
        "year",
        "value",
        "qualifier",
        "unit",
        "change_pct",
        "source",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "source" and formfield is not None:
            # A source is added or edited on its own page (or the record's
            # sources): four icons on every line would double its width.
            wrapper = formfield.widget
            for flag in ("add", "change", "delete", "view"):
                setattr(wrapper, f"can_{flag}_related", False)
        return formfield


class KeyFigureInline(FigureInline):
    model = KeyFigure


class MembershipInline(SelectedOnceInline, ReviewedInline, admin.TabularInline):
    model = Membership
    fk_name = "member"
    extra = 0
    autocomplete_fields = ["organisation", "source"]
    verbose_name = gettext_lazy("membership of another organisation")
    verbose_name_plural = gettext_lazy("member of")


class MemberInline(SelectedOnceInline, ReviewedInline, admin.TabularInline):
    model = Membership
    fk_name = "organisation"
    extra = 0
    classes = ["collapse"]  # an apex body's members run to hundreds
    autocomplete_fields = ["member", "source"]
    verbose_name = gettext_lazy("member")
    verbose_name_plural = gettext_lazy("members")


@admin.register(Organisation)
class OrganisationAdmin(EntityAdmin):
    country_model = OrganisationCountry
    resource_classes = [OrganisationResource]
    list_display = [
        "name",
        "acronym",
        "kind",
        "hq_country",
        "parent",
        "status_badge",
        "updated_at",
    ]
    list_filter = [
        CountryListFilter,
        ("sectors", admin.RelatedOnlyFieldListFilter),
        "kind",
        "status",
    ]
    search_fields = [
        "name",
        "acronym",
        "native_name",
        "slug",
        "other_names__name",
        "hq_city",
    ]
    autocomplete_fields = ["parent", "sectors", "sources"]
    inlines = [
        OrganisationNameInline,
        DutyInline,
        OrganisationCountryInline,
        OrganisationRegionInline,
        KeyFigureInline,
        MembershipInline,
        MemberInline,
    ]

    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "acronym"),
                    "slug",
                    ("native_name", "native_language"),
                    "kind",
                    "status",
                    "loaded_version",
                ]
            },
        ),
        (
            gettext_lazy("Structure"),
            {"fields": [("parent", "relation_to_parent"), "governance"]},
        ),
        (
            gettext_lazy("Where and when"),
            {
                "fields": [
                    ("hq_country", "hq_city"),
                    ("founded_year", "founded_month", "founded_day"),
                ]
            },
        ),
        (
            gettext_lazy("About"),
            {
                "fields": [
                    "sectors",
                    "website",
                    "summary",
                    "description",
                    "sources",
                    "editor_notes",
                ]
            },
        ),
        (
            gettext_lazy("Record"),
            {"fields": [("version", "created_at", "updated_at")]},
        ),
    ]


@admin.register(Sector)
class SectorAdmin(HistoryAdmin):
    list_display = ["name", "name_zh", "slug", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_zh", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["parent"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["title", "publisher", "url", "accessed_on"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "accessed_on"


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["member", "organisation", "kind", "since_year"]
    list_filter = ["kind"]
    search_fields = ["member__name", "organisation__name"]
    autocomplete_fields = ["member", "organisation", "source"]
    list_select_related = ["member", "organisation"]


@admin.register(KeyFigure)
class KeyFigureAdmin(HistoryAdmin):
    list_display = ["label", "organisation", "year", "value", "unit"]
    list_filter = ["metric", "unit", "year"]
    search_fields = ["label", "organisation__name", "segment"]
    autocomplete_fields = ["organisation", "sector", "source", "parent"]
    list_select_related = ["organisation"]
