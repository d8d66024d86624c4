"""What changed between two stored versions of a record (django-reversion)."""

import datetime
import difflib
import json
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.models import Revision, Version

# Bookkeeping that changes on every save and says nothing to an editor.
IGNORED_FIELDS = {"version", "created_at", "updated_at", "id"}


# Row model -> [(its foreign key, the record model)] for every record that follows
# the row (a membership belongs to both of its organisations).
_RECORDS_OF_ROW = {}


def register_record(model, follow):
    """Register model with django-reversion, following its rows (reverse relations
    named in follow), and make every write to one of those rows a version of the
    record, however it is made: a key figure saved on its own admin page is then in
    its organisation's history, credited to whoever saved it.
    """
    for name in follow:
        relation = model._meta.get_field(name)
        row = relation.related_model
        if not reversion.is_registered(row):
            reversion.register(row)
        if row not in _RECORDS_OF_ROW:
            uid = f"history-row-{row._meta.label}"
            pre_save.connect(_row_moving, sender=row, dispatch_uid=uid)
            post_save.connect(_row_written, sender=row, dispatch_uid=uid)
            post_delete.connect(_row_written, sender=row, dispatch_uid=uid)
        _RECORDS_OF_ROW.setdefault(row, []).append((relation.field, model))
    reversion.register(model, follow=follow)


def is_row(model):
    """Return whether model's rows belong to a record registered above."""
    return model in _RECORDS_OF_ROW


def records_of(row, data=None):
    """Return the records row belongs to, read from data (a POST) when given."""
    records = []
    for fk, model in _RECORDS_OF_ROW.get(type(row), ()):
        pk = getattr(row, fk.attname) if data is None else data.get(fk.name)
        if pk is None or not str(pk).isdigit():
            continue
        record = model._base_manager.filter(pk=pk).first()
        if record is not None:
            records.append(record)
    return records


def row_comment(row, message):
    """Return a revision comment naming row, for the history of its record."""
    return _("%(row)s “%(name)s”: %(message)s") % {
        "row": capfirst(row._meta.verbose_name),
        "name": row,
        "message": message,
    }


def _in_revision(model, pk):
    # django-reversion has no public way to ask what the open revision holds.
    frame = reversion.revisions._current_frame()
    return any(
        content_type.model_class() is model and object_id == str(pk)
        for versions in frame.db_versions.values()
        for content_type, object_id in versions
    )


def _tracked():
    return reversion.is_active() and not reversion.is_manage_manually()


def _row_moving(sender, instance, raw=False, **kwargs):
    """Remember the records a row belonged to before a save that may move it (a
    key figure given another organisation changes both)."""
    if raw or instance.pk is None or not _tracked():
        return
    names = [fk.attname for fk, _model in _RECORDS_OF_ROW[sender]]
    instance._history_records_before = (
        sender._base_manager.filter(pk=instance.pk).values(*names).first() or {}
    )


def _row_written(sender, instance, raw=False, **kwargs):
    """Make a row saved or deleted inside a revision a new version of its records
    (those it belongs to and, when a save moved it, those it left): raise each
    record's version number and add the record to the revision."""
    if raw or not _tracked():
        return
    before = instance.__dict__.pop("_history_records_before", {})
    for fk, model in _RECORDS_OF_ROW[sender]:
        for pk in dict.fromkeys(
            [getattr(instance, fk.attname), before.get(fk.attname)]
        ):
            _record_written(model, pk)


def _record_written(model, pk):
    if pk is None or _in_revision(model, pk):
        return  # saved in this revision already: its number has risen
    # An update, not a save: no signals, so nothing else is written (a record
    # saved while its rows are deleted with it would add one back). The change
    # form's conflict check and the API's ETag read this number.
    rows = model._base_manager.filter(pk=pk)
    if rows.update(version=F("version") + 1, updated_at=timezone.now()):
        # Read now, after the write: the record's version holds its rows as
        # they are (a deleted row no longer among them) and its new number.
        reversion.add_to_revision(rows.get())


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str

    @property
    def text_diff(self):
        """Return a line diff for long texts, empty for short values."""
        if len(self.old) < 120 and len(self.new) < 120:
            return ""
        return "\n".join(
            difflib.unified_diff(
                self.old.splitlines(), self.new.splitlines(), lineterm="", n=1
            )
        )


@dataclass
class RelatedChange:
    model: str
    action: str  # "added", "removed" or "changed"
    old: str
    new: str
    fields: list = field(default_factory=list)


def _display(model, name, value):
    """Return value of model's field name as an editor reads it."""
    if value in (None, "", []):
        return ""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        try:
            model_field = next(
                f for f in model._meta.concrete_fields if f.attname == name
            )
        except StopIteration:
            return str(value)
    if isinstance(model_field, models.ManyToManyField):
        related = model_field.related_model._base_manager.filter(pk__in=value)
        names = {str(o.pk): str(o) for o in related}
        return ", ".join(sorted(names.get(str(pk), f"#{pk}") for pk in value))
    if isinstance(model_field, models.ForeignKey):
        target = model_field.related_model._base_manager.filter(pk=value).first()
        return str(target) if target else f"#{value} ({_('deleted')})"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def _label(model, name):
    for f in model._meta.get_fields():
        if getattr(f, "attname", None) == name or f.name == name:
            return str(getattr(f, "verbose_name", name))
    return name


def _same(before, after):
    # A browser sends a textarea back with CRLF line ends: not a change.
    if isinstance(before, str) and isinstance(after, str):
        return before.replace("\r\n", "\n") == after.replace("\r\n", "\n")
    # Stored versions keep times to the millisecond (JSON), the database to the µs.
    if isinstance(before, datetime.datetime) and isinstance(after, datetime.datetime):
        return abs(before - after) < datetime.timedelta(milliseconds=1)
    return before == after


def field_changes(model, old, new):
    """Return the FieldChanges between two field dicts of one model."""
    changes = []
    for name in dict.fromkeys([*old, *new]):
        if name in IGNORED_FIELDS:
            continue
        before, after = old.get(name), new.get(name)
        if isinstance(before, list) or isinstance(after, list):
            if sorted(map(str, before or [])) == sorted(map(str, after or [])):
                continue
        elif _same(before, after):
            continue
        changes.append(
            FieldChange(
                name=name,
                label=_label(model, name),
                old=_display(model, name, before),
                new=_display(model, name, after),
            )
        )
    return changes


def _followed_versions(version):
    """Return {(model label, object id): Version} of the rows saved with version."""
    rows = {}
    others = version.revision.version_set.exclude(pk=version.pk).select_related(
        "content_type"
    )
    for other in others:
        model = other.content_type.model_class()
        if model is None:
            continue
        points_here = any(
            f.related_model is version._model
            and str(other.field_dict.get(f.attname)) == str(version.object_id)
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
        )
        if points_here:
            rows[(model._meta.label, other.object_id)] = other
    return rows


def related_changes(old_version, new_version):
    """Return the inline rows added, removed or changed between two versions."""
    before, after = _followed_versions(old_version), _followed_versions(new_version)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        model = (new or old)._model
        name = str(model._meta.verbose_name)
        if old is None:
            changes.append(RelatedChange(name, "added", "", new.object_repr))
        elif new is None:
            changes.append(RelatedChange(name, "removed", old.object_repr, ""))
        else:
            diff = field_changes(model, old.field_dict, new.field_dict)
            if diff:
                changes.append(
                    RelatedChange(
                        name, "changed", old.object_repr, new.object_repr, diff
                    )
                )
    return changes


def compare(old_version, new_version):
    """Return (field changes, related changes) from old_version to new_version."""
    model = new_version._model
    return (
        field_changes(model, old_version.field_dict, new_version.field_dict),
        related_changes(old_version, new_version),
    )


def version_at(instance, number):
    """Return the first stored Version of instance whose version field is number.

    The first, as a form opened at that number saw it: every write to the record or
    to one of its rows raises the number.
    """
    for version in (
        Version.objects.get_for_object(instance)
        .select_related("revision__user")
        .order_by("pk")
    ):
        if version.field_dict.get("version") == number:
            return version
    return None


def current_field_dict(instance, names):
    """Return instance's stored values for names, shaped like Version.field_dict."""
    stored = type(instance)._base_manager.get(pk=instance.pk)
    values = {}
    for name in names:
        model_field = next(
            (
                f
                for f in stored._meta.get_fields()
                if getattr(f, "attname", None) == name
            ),
            None,
        )
        if isinstance(model_field, models.ManyToManyField):
            values[name] = list(
                getattr(stored, model_field.name).values_list("pk", flat=True)
            )
        elif model_field is not None:
            values[name] = getattr(stored, name)
    return values


def changes_since(instance, number):
    """Return (latest Version, FieldChanges) made to instance since version number.

    The changes are None when the history does not reach back that far.
    """
    latest = (
        Version.objects.get_for_object(instance).select_related("revision__user")
    ).first()
    loaded = version_at(instance, number)
    if loaded is None:
        return latest, None
    old = loaded.field_dict
    return latest, field_changes(
        instance._meta.model, old, current_field_dict(instance, old)
    )


def ensure_baseline(obj, user=None):
    """Record obj as it stands if it has no history yet, so a first change is undoable.

    Records loaded from fixtures, a backup or a bulk write have no version; call this
    outside any open revision, before changing or deleting obj.
    """
    if not reversion.is_registered(type(obj)):
        return
    if Version.objects.get_for_object(obj).exists():
        return
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(_("State before the first recorded change."))
        reversion.add_to_revision(obj)


def ensure_baselines(objs, user=None):
    """ensure_baseline for many records of one model, in a few queries: each
    without history gets a revision of its own holding it as it stands."""
    if not objs or not reversion.is_registered(type(objs[0])):
        return
    model = type(objs[0])
    recorded = set(
        Version.objects.get_for_model(model)
        .filter(object_id__in=[str(obj.pk) for obj in objs])
        .values_list("object_id", flat=True)
    )
    bare = [obj for obj in objs if str(obj.pk) not in recorded]
    save_versions(bare, user, _("State before the first recorded change."))


def _serialized(objs):
    """Return {obj: its serialized data} as reversion stores it for each of objs
    (one model), serialized in one pass: the serializer's set-up per call was
    most of an import's history time."""
    model = type(objs[0])
    options = reversion.revisions._get_options(model)
    if options.format != "json":
        return {
            obj: serializers.serialize(options.format, (obj,), fields=options.fields)
            for obj in objs
        }
    dumped = serializers.serialize(
        "python",
        objs,
        fields=options.fields,
        use_natural_foreign_keys=options.use_natural_foreign_keys,
    )
    # What serializers.serialize("json", (obj,)) writes, object by object.
    return {
        obj: json.dumps([data], cls=DjangoJSONEncoder)
        for obj, data in zip(objs, dumped, strict=True)
    }


def _many_to_many(model):
    return [f.name for f in model._meta.many_to_many]


def save_versions(objs, user=None, comment=""):
    """Record each of objs (records of one registered model) in a revision of its
    own, with the rows it follows, as the database holds them now: what
    reversion.create_revision does for one record, in a few queries for them all.
    """
    if not objs:
        return
    model = type(objs[0])
    options = reversion.revisions._get_options(model)
    pks = [obj.pk for obj in objs]
    records = model._base_manager.filter(pk__in=pks).prefetch_related(
        *_many_to_many(model)
    )
    records = {obj.pk: obj for obj in records}
    rows = {}  # record pk -> its followed rows
    for name in options.follow:
        relation = model._meta.get_field(name)
        row_model, fk = relation.related_model, relation.field
        found = row_model._base_manager.filter(**{f"{fk.attname}__in": pks})
        for row in found.prefetch_related(*_many_to_many(row_model)):
            rows.setdefault(getattr(row, fk.attname), {})[(row_model, row.pk)] = row
    when = timezone.now()
    user = user if user is not None and user.is_authenticated else None
    revisions = Revision.objects.bulk_create(
        [Revision(date_created=when, user=user, comment=comment) for _pk in records]
    )
    by_model = {}
    for obj in [*records.values(), *(r for own in rows.values() for r in own.values())]:
        by_model.setdefault(type(obj), []).append(obj)
    data = {}
    for objs in by_model.values():
        data.update(_serialized(objs))
    db = router.db_for_write(model)
    versions = []
    for revision, record in zip(revisions, records.values(), strict=True):
        for obj in [record, *rows.get(record.pk, {}).values()]:
            versions.append(
                Version(
                    revision=revision,
                    content_type=ContentType.objects.get_for_model(type(obj)),
                    object_id=str(obj.pk),
                    db=db,
                    format=reversion.revisions._get_options(type(obj)).format,
                    serialized_data=data[obj],
                    object_repr=str(obj),
                )
            )
    Version.objects.bulk_create(versions)


def stale_message(instance, loaded):
    """Return the refusal of a stale save, naming what the other edit changed."""
    latest, changes = (None, None)
    if loaded is not None:
        latest, changes = changes_since(instance, loaded)
    who = ""
    if latest is not None and latest.revision.user:
        who = _(" by %(user)s at %(when)s") % {
            "user": latest.revision.user.get_username(),
            "when": timezone.localtime(latest.revision.date_created).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
    head = _(
        "Someone else saved this record after you opened it%(who)s, so your "
        "changes were not saved."
    ) % {"who": who}
    if changes:
        listed = "; ".join(
            _("%(field)s: “%(old)s” → “%(new)s”")
            % {"field": c.label, "old": c.old, "new": c.new}
            for c in changes
        )
        head += " " + _("They changed: %(changes)s.") % {"changes": listed}
    elif changes is not None:
        head += " " + _("Their save changed only related rows.")
    return (
        head
        + " "
        + _(
            "Save again to merge your changes into theirs: anything you both "
            "changed will be shown for you to choose."
        )
    )
