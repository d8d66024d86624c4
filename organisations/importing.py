"""The import's database work, done per batch of rows rather than per row.

EntityResource reads and checks each row in Python; what it needs from the database
(the stored records, their countries, sectors and sources) is read here once per
batch, and what it writes (records, their rows, their history) is written here once
per batch, in bulk: the SSE file's 1,794 rows used to cost ~30 queries each.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Source


@dataclass
class Stored:
    """What an existing record holds besides its own fields, as the import read it."""

    countries: dict = field(default_factory=dict)  # code -> row pk
    m2m: dict = field(default_factory=dict)  # attribute -> {target pk: through pk}
    source_urls: set = field(default_factory=set)


def m2m_fields(resource):
    """Return the resource's many-to-many import fields (sectors)."""
    from import_export.widgets import ManyToManyWidget

    return [
        f
        for f in resource.get_import_fields()
        if isinstance(f.widget, ManyToManyWidget) and f.attribute
    ]


def load_stored(resource, slugs, lock=False):
    """Return {slug: instance} of the stored records among slugs, each carrying
    its Stored rows, in five queries whatever their number."""
    model = resource._meta.model
    records = model._base_manager.filter(slug__in=slugs).select_related("parent")
    if lock:
        # PostgreSQL: no one else writes these records until the batch commits
        # (SQLite's batch already holds the write lock).
        records = records.select_for_update(of=("self",))
    found = {obj.slug: obj for obj in records}
    by_pk = {obj.pk: obj for obj in found.values()}
    for obj in by_pk.values():
        obj._import_stored = Stored()
    if not by_pk:
        return found
    fk = resource.country_fk
    rows = resource.country_model.objects.filter(**{f"{fk}_id__in": list(by_pk)})
    for pk, owner, code in rows.values_list("pk", f"{fk}_id", "country"):
        by_pk[owner]._import_stored.countries[str(code)] = pk
    for import_field in m2m_fields(resource):
        relation = model._meta.get_field(import_field.attribute)
        through = relation.remote_field.through
        own = relation.m2m_field_name()
        other = relation.m2m_reverse_field_name()
        links = through.objects.filter(**{f"{own}_id__in": list(by_pk)})
        for pk, owner, target in links.values_list("pk", f"{own}_id", f"{other}_id"):
            stored = by_pk[owner]._import_stored
            stored.m2m.setdefault(import_field.attribute, {})[target] = pk
    relation = model._meta.get_field("sources")
    through = relation.remote_field.through
    own = relation.m2m_field_name()
    links = through.objects.filter(**{f"{own}_id__in": list(by_pk)})
    for owner, url in links.values_list(f"{own}_id", "source__url"):
        by_pk[owner]._import_stored.source_urls.add(url)
    return found


def stored_of(instance):
    return getattr(instance, "_import_stored", None) or Stored()


def countries_after(instance):
    """Return the country codes instance will have once its row is written."""
    stored = set(stored_of(instance).countries)
    imported = getattr(instance, "import_countries", None)
    keep = stored if imported is None else set(imported)
    if getattr(instance, "hq_country", None):
        keep.add(str(instance.hq_country))
    return keep


def m2m_after(instance, attribute):
    """Return the target pks of instance's many-to-many attribute once written."""
    chosen = getattr(instance, "_import_m2m", {}).get(attribute)
    if chosen is None:
        return set(stored_of(instance).m2m.get(attribute, {}))
    return {obj.pk for obj in chosen}


def _insert(model, new):
    """bulk_create new records; a record whose parent is created in the same
    batch goes in after it (waves), as the rows of a file name earlier rows."""
    waiting = list(new)
    while waiting:
        ready = [
            obj
            for obj in waiting
            if getattr(obj, "parent", None) is None or obj.parent.pk is not None
        ]
        if not ready:
            raise ValueError(_("a record's parent is created after it"))
        for obj in ready:
            if getattr(obj, "parent", None) is not None:
                obj.parent_id = obj.parent.pk
        model._base_manager.bulk_create(ready)
        for obj in ready:
            obj._state.adding = False
        waiting = [obj for obj in waiting if obj.pk is None]


def write(resource, instances):
    """Write instances (new or changed records of one batch) and their rows in bulk.

    Mirrors the model's save() and the resource's save_m2m: a changed record's
    version is raised, its headquarters country is among its countries, its
    countries replaced when the file lists them, its sectors set when the file
    names them, its source URLs added (new sources made with a title).
    """
    model = resource._meta.model
    if not instances:
        return
    now = timezone.now()
    new = [obj for obj in instances if obj.pk is None]
    changed = [obj for obj in instances if obj.pk is not None]
    _insert(model, new)
    if changed:
        for obj in changed:
            obj.version = (obj.version or 0) + 1
            obj.updated_at = now
        names = [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in ("created_at",)
        ]
        model._base_manager.bulk_update(changed, names)

    # Countries of operation: the file's list (or the stored one) and the HQ.
    fk = resource.country_fk
    gone, added = [], []
    for obj in instances:
        stored = stored_of(obj).countries
        keep = countries_after(obj)
        gone += [pk for code, pk in stored.items() if code not in keep]
        added += [
            resource.country_model(**{fk: obj, "country": code})
            for code in sorted(keep - set(stored))
        ]
    if gone:
        resource.country_model.objects.filter(pk__in=gone).delete()
    resource.country_model.objects.bulk_create(added)

    for import_field in m2m_fields(resource):
        attribute = import_field.attribute
        relation = model._meta.get_field(attribute)
        through = relation.remote_field.through
        own, other = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        gone, added = [], []
        for obj in instances:
            stored = stored_of(obj).m2m.get(attribute, {})
            keep = m2m_after(obj, attribute)
            gone += [pk for target, pk in stored.items() if target not in keep]
            added += [
                through(**{f"{own}_id": obj.pk, f"{other}_id": target})
                for target in sorted(keep - set(stored))
            ]
        if gone:
            through.objects.filter(pk__in=gone).delete()
        through.objects.bulk_create(added)

    _add_sources(model, instances)


def _add_sources(model, instances):
    wanted = {
        obj.pk: [
            url
            for url in obj.import_source_urls
            if url not in stored_of(obj).source_urls
        ]
        for obj in instances
        if getattr(obj, "import_source_urls", None)
    }
    urls = {url for found in wanted.values() for url in found}
    if not urls:
        return
    sources = {}
    for source in Source.objects.filter(url__in=urls).order_by("pk"):
        sources.setdefault(source.url, source)
    by_pk = {obj.pk: obj for obj in instances}
    missing = []
    for pk, found in wanted.items():
        for url in found:
            if url not in sources:
                title = _("Record of %(name)s") % {"name": by_pk[pk].name[:250]}
                sources[url] = Source(url=url, title=title)
                missing.append(sources[url])
    Source.objects.bulk_create(missing)
    through = model._meta.get_field("sources").remote_field.through
    relation = model._meta.get_field("sources")
    own, other = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    through.objects.bulk_create(
        [
            through(**{f"{own}_id": pk, f"{other}_id": sources[url].pk})
            for pk, found in wanted.items()
            for url in dict.fromkeys(found)
        ],
        ignore_conflicts=True,
    )


def write_rows(resource, entries):
    """Write entries [(instance, row_result)] in bulk; return [(instance,
    row_result, error)] of the rows that failed.

    When the bulk write fails, each row is written alone (in its own savepoint) to
    name the rows that fail, as a row-by-row import would."""
    instances = [obj for obj, _result in entries]
    before = [(obj.pk, obj.version, obj._state.adding) for obj in instances]

    def restore(obj, state):
        obj.pk, obj.version, obj._state.adding = state

    try:
        with transaction.atomic():
            write(resource, instances)
        return []
    except Exception as error:
        if len(entries) == 1:
            restore(instances[0], before[0])
            return [(*entries[0], error)]
    failed = []
    for (obj, row_result), state in zip(entries, before, strict=True):
        restore(obj, state)
        try:
            with transaction.atomic():
                write(resource, [obj])
        except Exception as error:
            restore(obj, state)
            failed.append((obj, row_result, error))
    return failed
