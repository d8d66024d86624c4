"""The review step: what the public sees changes only by someone who may publish.

One decision, refusal(user, obj), serves every admin page, inline and API write.
Apps say what their models are (AppConfig.ready), so this layer imports no app:

- a record (register_record) is public while published;
- a row of records (register_part: names, figures, memberships, secretariats, …) is
  public while every record it belongs to is published, as the pages show it;
- a shared row (register_shared: sources, sectors) is public while a public record
  or row cites it, or a public shared row does (a sector's page counts its
  sub-sectors' records).

Changing, deleting or making public a public row needs the publish permission of
each kind of record it is public through.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

_records = {}  # model: {field: value} of its published state
_parts = {}  # model: names of its foreign keys to records
_shared = set()
_private = set()


def register_record(model, **published):
    """Declare model a record whose rows are public while they match published."""
    _records[model] = published


def register_part(model, *owners):
    """Declare model a row that belongs to the records its foreign keys owners name."""
    _parts[model] = owners


def register_shared(model):
    """Declare model a row that records and their rows cite (sources, sectors)."""
    _shared.add(model)


def register_private(model):
    """Declare model one the public never sees (users, groups, tokens, logs)."""
    _private.add(model._meta.concrete_model)


def _concrete(model):
    return model._meta.concrete_model


def kind(model):
    """Return how model's rows reach the public: "record", "part", "shared" or
    "private"; None if the review step does not know the model."""
    model = _concrete(model)
    for name, rows in (
        ("record", _records),
        ("part", _parts),
        ("shared", _shared),
        ("private", _private),
    ):
        if model in rows:
            return name
    return None


def known(model):
    return kind(model) is not None


def unknown_citers():
    """Return the models that cite a shared model unbeknown to refusal()."""
    return sorted(
        f"{relation.related_model._meta.label} -> {model._meta.label}"
        for model in _shared
        for relation in _reverse_relations(model)
        if not known(relation.related_model)
    )


def publish_permission(model):
    opts = model._meta
    return f"{opts.app_label}.publish_{opts.model_name}"


def _published(record):
    return all(
        getattr(record, field) == value
        for field, value in _records[_concrete(type(record))].items()
    )


def _owners(row):
    """Return the records row belongs to, None where a key is not set yet."""
    found = []
    for name in _parts[_concrete(type(row))]:
        field = row._meta.get_field(name)
        if getattr(row, field.attname) is None:
            found.append(None)
            continue
        try:
            found.append(getattr(row, name))
        except ObjectDoesNotExist:
            found.append(None)
    return found


def _reverse_relations(model):
    # Hidden ones too: a figure cites its source through related_name="+".
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and field.is_relation
        and not field.related_model._meta.auto_created  # an M2M's own table
    ]


def _published_filter(record_model, prefix=""):
    return {f"{prefix}{k}": v for k, v in _records[record_model].items()}


def _citing_records(obj, seen, found):
    """Add to found {record model: record} a public record of each kind that cites
    shared row obj, directly or through public rows and shared rows."""
    key = (_concrete(type(obj)), obj.pk)
    if obj.pk is None or key in seen:
        return found
    seen.add(key)
    for relation in _reverse_relations(type(obj)):
        model = _concrete(relation.related_model)
        rows = model._base_manager.filter(**{relation.field.name: obj})
        if model in _records:
            if model not in found:
                record = rows.filter(**_published_filter(model)).first()
                if record is not None:
                    found[model] = record
        elif model in _parts:
            for owner in _parts[model]:
                owner_model = _concrete(model._meta.get_field(owner).related_model)
                rows = rows.filter(**_published_filter(owner_model, f"{owner}__"))
            row = rows.first()
            for record in _owners(row) if row is not None else ():
                found.setdefault(_concrete(type(record)), record)
        elif model in _shared:
            for row in rows:
                _citing_records(row, seen, found)
        else:
            raise LookupError(f"{model._meta.label} is unknown to the review step")
    return found


def public_through(obj):
    """Return the published records through which obj is public (empty if not)."""
    model = _concrete(type(obj))
    if model in _records:
        return [obj] if _published(obj) else []
    if model in _parts:
        owners = _owners(obj)
        if owners and all(o is not None and _published(o) for o in owners):
            return owners
        return []
    if model in _shared:
        return list(_citing_records(obj, set(), {}).values())
    if model in _private:
        return []
    raise LookupError(f"{model._meta.label} is unknown to the review step")


def refusal(user, obj):
    """Return why user may not write obj in its current state, or None if they may.

    obj None (a list, an empty add form) is allowed: each row is decided on its own.
    """
    if obj is None:
        return None
    everything = {publish_permission(model) for model in _records}
    if user is not None and user.has_perms(everything):
        return None  # a publisher of every kind: no need to look what obj is
    through = public_through(obj)
    needed = {publish_permission(type(record)) for record in through}
    if not needed or (user is not None and user.has_perms(needed)):
        return None
    record = through[0]
    what = {
        "row": obj._meta.verbose_name,
        "kind": record._meta.verbose_name,
        "record": str(record),
    }
    if record is obj:
        message = _(
            "This %(row)s is published: only a publisher may change or delete it "
            "(ask one to, or to unpublish it first)."
        )
    elif _concrete(type(obj)) in _shared:
        message = _(
            "This %(row)s is cited by the published %(kind)s “%(record)s”: only a "
            "publisher may change or delete it."
        )
    else:
        message = _(
            "This %(row)s belongs to the published %(kind)s “%(record)s”: only a "
            "publisher may add, change or delete it."
        )
    return message % what


# The admin ---------------------------------------------------------------------------


class ReviewedForm:
    """Mixed into an admin form: refuse a row whose new state is public."""

    review_user = None

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            reason = refusal(self.review_user, self.instance)
            if reason:
                self.add_error(None, reason)


def reviewed_form(form, user):
    return type(form.__name__, (ReviewedForm, form), {"review_user": user})


class RefusedWrites:
    """A public row can be neither changed nor deleted without publish rights."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not refusal(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not refusal(
            request.user, obj
        )


class ReviewedAdmin(RefusedWrites):
    """Mixed into a ModelAdmin: a public row is read-only without publish rights,
    and its change form says so and why."""

    change_form_template = "admin/coopdir/reviewed_change_form.html"

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None and not add:
            context["review_refusal"] = refusal(request.user, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return reviewed_form(form, request.user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        for obj in objs:
            if refusal(request.user, obj):
                perms_needed.add(obj._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            if refusal(request.user, obj):
                raise PermissionDenied
        super().delete_queryset(request, queryset)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # A revert writes the old version before the form sees it: decide on the
        # record as it stands (the form then decides on the state reverted to).
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and refusal(request.user, obj):
                raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)


class ReviewedInline(RefusedWrites):
    """Mixed into an InlineModelAdmin: the rows of a public record are read-only
    without publish rights, and each row is decided as it is saved."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not refusal(
            request.user, obj
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = reviewed_form(formset.form, request.user)
        return formset


# The API -----------------------------------------------------------------------------


class PublishedNeedsPublisher(permissions.BasePermission):
    """A write to a public record needs publish rights; the 403 says why."""

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        reason = refusal(request.user, obj)
        if reason:
            raise exceptions.PermissionDenied(reason)
        return True
