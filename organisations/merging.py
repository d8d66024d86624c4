"""Merge a change form saved after someone else's save, rather than overwrite it.

The form carries the version it was opened on (``loaded_version``), which
django-reversion keeps with its inline rows. Before the admin reads a POST, Merge
compares three states of every field and of every inline row (by primary key): the
version opened (base), the record as stored now (theirs) and the form (mine). What
this person did not touch is set back to what is stored, so only their own edits are
written; where both changed the same thing differently nothing is saved until they
choose, for each field or row, whose to keep.
"""

import datetime
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from . import history

CHOICE, TOKEN, CARRIED, PENDING = (
    "merge-choice-",
    "merge-token-",
    "merge-row-",
    "merge-pending",
)
PENDING_MESSAGE = gettext_lazy(
    "Someone else saved this record after you opened it and changed some of the "
    "same things you changed. Nothing has been saved yet: for each difference "
    "below, choose whether to keep theirs or yours, then save again."
)
# Past this length a value is also shown word by word: a difference hides in it.
LONG_TEXT = 80
# A word is a run of letters or digits, except Chinese, which is one per character.
_WORDS = re.compile(r"[^\W\u3000-\u9fff\uf900-\ufaff]+|\s+|.", re.S)
_NO_FILES = MultiValueDict()


def word_diff(old, new):
    """Return [(op, text)] turning old into new word by word; op is =, - or +."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(("=", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("-", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("+", "".join(b[j1:j2])))
    return parts


@dataclass
class Shown:
    """A value as an editor reads it, in full: before (or theirs) and after."""

    label: str
    old: str = ""
    new: str = ""

    @property
    def long(self):
        both = self.old + self.new
        return len(self.old) > LONG_TEXT or len(self.new) > LONG_TEXT or "\n" in both

    @property
    def diff(self):
        return word_diff(self.old, self.new) if self.long else []


@dataclass
class Conflict:
    key: str
    title: str
    kind: str  # "field", "row", "deleted_by_them" or "deleted_by_you"
    lines: list  # Shown(label, old=theirs, new=mine)
    token: str
    actions: dict  # "theirs", "mine", "pending" -> what to do to the posted data
    choice: str = ""
    carried: str = ""  # a row they deleted, posted back while undecided


@dataclass
class Change:
    """Something the other save changed since the form was opened."""

    title: str
    action: str  # "changed", "added" or "removed"
    lines: list = field(default_factory=list)  # Shown(label, old=base, new=theirs)


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if type(value).__name__ == "Country":  # django-countries' value object
        return value.code or ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return value


def _same(a, b):
    a, b = _plain(a), _plain(b)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return sorted(map(str, a or [])) == sorted(map(str, b or []))
    if a in (None, "") and b in (None, ""):
        return True
    return history._same(a, b)


def _changed(form_field, stored, raw):
    """Return whether raw, as posted, differs from the stored value."""
    stored = _plain(stored)
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n")
    if isinstance(stored, str) and getattr(form_field, "strip", False):
        stored = stored.strip()
    return form_field.has_changed(stored, raw)


def _as_posted(value):
    """Return value as a browser posts it (a list where there are several)."""
    value = _plain(value)
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _put(data, name, form_field, value):
    posted = _as_posted(value)
    if isinstance(form_field.widget, forms.CheckboxInput):
        if value:
            data.setlist(name, ["on"])
        else:
            data.pop(name, None)
    elif isinstance(posted, list):
        data.setlist(name, posted)
    else:
        data.setlist(name, [posted])


def _values(obj):
    """Return obj's stored fields keyed as Version.field_dict keys them."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for m2m in obj._meta.many_to_many:
        values[m2m.attname] = list(getattr(obj, m2m.name).values_list("pk", flat=True))
    return values


def _form_key(prefix, key):
    """Return (index, field) of an inline form's key such as prefix-3-value."""
    if key.startswith(f"{prefix}-"):
        index, _dash, suffix = key[len(prefix) + 1 :].partition("-")
        if index.isdigit() and suffix:
            return int(index), suffix
    return None, None


def _carried(text):
    """Return a row posted back as JSON, or None if it is not one."""
    try:
        row = json.loads(text)
    except ValueError:
        return None
    if not isinstance(row, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in row.values()
    ):
        return None
    return row


def _token(*parts):
    text = json.dumps(parts, default=str, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class _Fields:
    """The editable model fields of one form, shown as an editor reads them."""

    def __init__(self, model, form_fields):
        self.model = model
        self.by_name = {}
        for name, form_field in form_fields.items():
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if getattr(model_field, "attname", None):
                self.by_name[name] = (model_field, form_field)

    def __iter__(self):
        return iter(self.by_name)

    def att(self, name):
        return self.by_name[name][0].attname

    def form_field(self, name):
        return self.by_name[name][1]

    def label(self, name):
        return str(self.by_name[name][0].verbose_name).capitalize()

    def show(self, name, value):
        return history._display(self.model, self.att(name), _plain(value))

    def posted(self, data, name):
        return self.form_field(name).widget.value_from_datadict(data, _NO_FILES, name)


class _Row:
    """One inline form as posted; fate is keep, new (added anew), drop or carry."""

    def __init__(self, pk, data):
        self.pk, self.data, self.fate = pk, MultiValueDict(data), "keep"


class Merge:
    """The three-way merge of one POST of a change form (see the module's doc)."""

    def __init__(self, request, obj):
        self.obj = obj
        self.model = type(obj)
        self.data = request.POST.copy()
        self.conflicts, self.theirs = [], []
        self.formsets = []
        self.data.pop(PENDING, None)
        try:
            self.loaded = int(self.data.get("loaded_version", ""))
        except ValueError:
            self.loaded = None
        self.base = None
        if self.loaded is not None:
            self.base = history.version_at(obj, self.loaded)
        # Unsaved since it was opened: what is stored is what was opened.
        self.base_known = self.base is not None or self.loaded == obj.version
        self.latest = (
            Version.objects.get_for_object(obj).select_related("revision__user").first()
        )

    @cached_property
    def base_rows(self):
        return history._followed_versions(self.base)

    @property
    def pending(self):
        return any(not c.choice for c in self.conflicts)

    @property
    def who(self):
        """Return who saved last and when, as an editor reads it."""
        if self.latest is None or self.latest.revision.user is None:
            return ""
        return _("%(user)s at %(when)s") % {
            "user": self.latest.revision.user.get_username(),
            "when": timezone.localtime(self.latest.revision.date_created).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }

    def _conflict(self, key, title, kind, lines, stored, **actions):
        conflict = Conflict(key, title, kind, lines, _token(kind, stored), actions)
        if self.data.get(TOKEN + key) == conflict.token:
            choice = self.data.get(CHOICE + key, "")
            conflict.choice = choice if choice in ("theirs", "mine") else ""
        self.conflicts.append(conflict)
        return conflict

    # --- the record's own fields ---------------------------------------------

    def merge_fields(self, form_fields):
        fields = _Fields(self.model, form_fields)
        current = _values(self.obj)
        base = self.base.field_dict if self.base is not None else current
        for name in fields:
            att = fields.att(name)
            known = self.base_known and att in base
            b, c = base.get(att), current.get(att)
            raw = fields.posted(self.data, name)
            label = fields.label(name)
            if known and not _same(b, c):
                shown = Shown(label, fields.show(name, b), fields.show(name, c))
                self.theirs.append(Change(label, "changed", [shown]))
            form_field = fields.form_field(name)
            if known and isinstance(raw, list):
                # Sets merge: what either added is in, what either removed is out.
                b, c, p = ({str(v) for v in values or []} for values in (b, c, raw))
                _put(self.data, name, form_field, sorted((c | (p - b)) - (b - p)))
            elif known and not _changed(form_field, b, raw):
                _put(self.data, name, form_field, c)
            elif (not known or not _same(b, c)) and _changed(form_field, c, raw):
                shown = Shown(label, fields.show(name, c), fields.show(name, raw))
                self._conflict(
                    name,
                    label,
                    "field",
                    [shown],
                    _as_posted(c),
                    theirs=lambda n=name, f=form_field, v=c: _put(self.data, n, f, v),
                )

    # --- inline rows, by primary key -----------------------------------------

    def merge_rows(self, prefix, formset):
        fk, pk_name = formset.fk, formset.model._meta.pk.name
        skip = (pk_name, fk.name, "DELETE", "ORDER")
        fields = _Fields(
            formset.model,
            {n: f for n, f in formset.empty_form.fields.items() if n not in skip},
        )
        try:
            total = int(self.data[f"{prefix}-TOTAL_FORMS"])
            initial = int(self.data[f"{prefix}-INITIAL_FORMS"])
        except (KeyError, ValueError):
            return  # the admin refuses a broken management form itself
        stored = {str(o.pk): o for o in formset.get_queryset()}
        current = {pk: _values(o) for pk, o in stored.items()}
        base = {}
        if self.base is not None:
            label = formset.model._meta.label
            for (model, object_id), version in self.base_rows.items():
                points_here = str(version.field_dict.get(fk.attname)) == str(
                    self.obj.pk
                )
                if model == label and points_here:
                    base[object_id] = version
        rows = []
        for key in [k for k in self.data if k.startswith(f"{CARRIED}{prefix}-")]:
            carried = _carried(self.data.pop(key)[0])
            if carried is not None:
                rows.append(_Row(key[len(CARRIED) + len(prefix) + 1 :], carried))
        posted = {}
        for key in self.data:
            index, suffix = _form_key(prefix, key)
            if index is not None and index < min(total, formset.absolute_max):
                posted.setdefault(index, {})[suffix] = self.data.getlist(key)
        for index, data in sorted(posted.items()):
            pk = (data.get(pk_name) or [""])[0] if index < initial else ""
            rows.append(_Row(pk, data))
        name = str(fields.model._meta.verbose_name).capitalize()

        def title(pk):
            # Only for what is shown: a row's name may take queries to read.
            shown = (
                stored[pk] if pk in stored else getattr(base.get(pk), "object_repr", pk)
            )
            return f"{name}: {shown}"

        for row in rows:
            if row.pk:
                version = base.get(row.pk) if self.base_known else None
                b = version.field_dict if version is not None else None
                self._merge_row(prefix, row, title, b, current.get(row.pk), fields)
        if self.base_known:
            self._their_rows(fields, base, current, title)
        self.formsets.append((prefix, pk_name, fk, rows))

    def _merge_row(self, prefix, row, title, b, c, fields):
        data = row.data

        def raw(n):
            return fields.posted(data, n)

        def mine(n):
            return b is None or _changed(
                fields.form_field(n), b.get(fields.att(n)), raw(n)
            )

        def put_theirs(names):
            for n in names:
                _put(data, n, fields.form_field(n), c[fields.att(n)])

        names = list(fields)
        deleting = forms.CheckboxInput().value_from_datadict(data, _NO_FILES, "DELETE")
        key = f"{prefix}-{row.pk}"
        if c is None:
            if deleting or not any(mine(n) for n in names):
                row.fate = "drop"  # deleted by both, or by them and untouched here
                return
            # What this person changed in the row they deleted is what is at stake.
            lines = [
                Shown(fields.label(n), "", fields.show(n, raw(n)))
                for n in names
                if mine(n) and fields.show(n, raw(n))
            ]
            conflict = self._conflict(
                key,
                title(row.pk),
                "deleted_by_them",
                lines,
                "deleted",
                theirs=lambda: setattr(row, "fate", "drop"),
                mine=lambda: setattr(row, "fate", "new"),
                pending=lambda: setattr(row, "fate", "carry"),
            )
            conflict.carried = json.dumps(dict(data.lists()))
            return
        theirs = [
            n
            for n in names
            if b is None or not _same(b.get(fields.att(n)), c[fields.att(n)])
        ]
        if deleting:
            if not theirs:
                return

            def show_theirs(delete):
                put_theirs(names)
                data.setlist("DELETE", ["on"] if delete else [])

            lines = [
                Shown(fields.label(n), fields.show(n, c[fields.att(n)]), "")
                for n in theirs
            ]
            self._conflict(
                key,
                title(row.pk),
                "deleted_by_you",
                lines,
                [_as_posted(c[fields.att(n)]) for n in names],
                theirs=lambda: show_theirs(False),
                pending=lambda: show_theirs(True),
            )
            return
        put_theirs([n for n in names if not mine(n)])
        clashes = [
            n
            for n in names
            if n in theirs
            and mine(n)
            and _changed(fields.form_field(n), c[fields.att(n)], raw(n))
        ]
        if clashes:
            lines = []
            for n in clashes:
                lines.append(
                    Shown(
                        fields.label(n),
                        fields.show(n, c[fields.att(n)]),
                        fields.show(n, raw(n)),
                    )
                )
            self._conflict(
                key,
                title(row.pk),
                "row",
                lines,
                [_as_posted(c[fields.att(n)]) for n in clashes],
                theirs=lambda: put_theirs(clashes),
            )

    def _their_rows(self, fields, base, current, title):
        for pk in dict.fromkeys([*base, *current]):
            b = base[pk].field_dict if pk in base else None
            c = current.get(pk)
            if b is None:
                lines = [
                    Shown(fields.label(n), "", fields.show(n, c[fields.att(n)]))
                    for n in fields
                    if fields.show(n, c[fields.att(n)])
                ]
                self.theirs.append(Change(title(pk), "added", lines))
            elif c is None:
                self.theirs.append(Change(title(pk), "removed"))
            else:
                lines = [
                    Shown(
                        fields.label(n),
                        fields.show(n, b.get(fields.att(n))),
                        fields.show(n, c[fields.att(n)]),
                    )
                    for n in fields
                    if not _same(b.get(fields.att(n)), c[fields.att(n)])
                ]
                if lines:
                    self.theirs.append(Change(title(pk), "changed", lines))

    # --- the result ------------------------------------------------------------

    def finish(self):
        """Apply the choices (or mark the form undecided) and write the rows back."""
        pending = self.pending
        for conflict in self.conflicts:
            action = conflict.actions.get("pending" if pending else conflict.choice)
            if action is not None:
                action()
        for prefix, pk_name, fk, rows in self.formsets:
            self._write_rows(prefix, pk_name, fk, rows)
        if pending:
            self.data[PENDING] = "1"
        else:
            # Merged onto what is stored now: the save may go ahead.
            self.data["loaded_version"] = str(self.obj.version)
        return self.data

    def _write_rows(self, prefix, pk_name, fk, rows):
        for key in list(self.data):
            if _form_key(prefix, key)[0] is not None:
                del self.data[key]
        kept = [r for r in rows if r.pk and r.fate == "keep"]
        added = [r for r in rows if r.fate == "new" or (not r.pk and r.fate == "keep")]
        for row in added:
            row.data.pop(pk_name, None)
            row.data.pop("DELETE", None)
            row.data.setlist(fk.name, [str(self.obj.pk)])
        for i, row in enumerate(kept + added):
            for suffix, values in row.data.lists():
                self.data.setlist(f"{prefix}-{i}-{suffix}", values)
        self.data[f"{prefix}-TOTAL_FORMS"] = str(len(kept) + len(added))
        self.data[f"{prefix}-INITIAL_FORMS"] = str(len(kept))

    def summary(self):
        """Return the note, after a merged save, of what the other save changed."""
        return _(
            "Merged with the save by %(who)s: their changes were kept (%(what)s)."
        ) % {
            "who": self.who or _("someone else"),
            "what": "; ".join(c.title for c in self.theirs),
        }


def merge_post(model_admin, request, object_id):
    """Replace request.POST by its merge onto the stored record; return the Merge."""
    obj = model_admin.get_object(request, unquote(object_id))
    if (
        obj is None
        or "_saveasnew" in request.POST
        or not model_admin.has_change_permission(request, obj)
    ):
        return None
    merge = Merge(request, obj)
    merge.merge_fields(model_admin.get_form(request, obj, change=True).base_fields)
    prefixes = {}
    for formset_class, inline in model_admin.get_formsets_with_inlines(request, obj):
        # Named as ModelAdmin._create_formsets names them.
        prefix = formset_class.get_default_prefix()
        prefixes[prefix] = prefixes.get(prefix, 0) + 1
        if prefixes[prefix] != 1 or not prefix:
            prefix = f"{prefix}-{prefixes[prefix]}"
        if not inline.has_change_permission(request, obj):
            continue  # view-only rows are neither posted nor saved
        formset = formset_class(
            instance=obj, prefix=prefix, queryset=inline.get_queryset(request)
        )
        merge.merge_rows(prefix, formset)
    request.POST = merge.finish()
    return merge


class MergeAdminMixin:
    """Merge a change form's POST onto the stored record before the admin reads it."""

    change_form_template = "admin/coopdir/change_form.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        context = dict(extra_context or {})
        merge = None
        # A revert or a recovery posts an old version on purpose: no merge.
        reverting = context.get("revert") or context.get("recover")
        if request.method == "POST" and object_id and not reverting:
            merge = context["merge"] = merge_post(self, request, object_id)
        response = super().changeform_view(request, object_id, form_url, context)
        if merge is not None and merge.theirs and response.status_code == 302:
            messages.info(request, merge.summary())
        return response
