"""Keep the search index in step with every write, in the writer's transaction.

Admin edits, API writes, imports and fixtures all go through save(), delete() or the
many-to-many managers, so these receivers see them all (fixture loads too: a raw
save indexes what is already there, and each later row re-indexes its record).
Bulk writes that bypass signals (bulk_create, queryset.update) must call
coopdir.search.engine.index_records or rebuild the index themselves.
"""

import threading
from contextlib import contextmanager

from django.db.backends.signals import connection_created
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
)

from . import engine

_state = threading.local()


@contextmanager
def suspended():
    """Do not follow writes inside this block; the caller rebuilds the index after."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous


def active():
    return not getattr(_state, "suspended", False)


def _reindex(model, pks):
    if active():
        engine.index_records(model, list(pks))


def _tune_connection(sender, connection, **kwargs):
    # Search queries are short; PostgreSQL's JIT compiles them for ~100 ms first.
    # Index look-ups cost little more than sequential reads on SSDs (and in the
    # cache): at the default 4 the planner hashes a whole table instead of probing
    # its primary key for the few thousand matches of a word. A count reads up to
    # a thousand matches' rows, scattered over the table: with the default
    # effective_io_concurrency of 1 each page not in the OS cache is waited for in
    # turn; at 64 (DATABASE_IO_CONCURRENCY) a bitmap scan asks for the next ones
    # while it reads (at 1M, pages dropped from the cache: word + country + sector
    # p95 83.8 -> 40.0 ms).
    if connection.vendor == "postgresql":
        from django.conf import settings

        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET random_page_cost = 1.1")
            ahead = int(settings.DATABASE_IO_CONCURRENCY)
            cursor.execute(f"SET effective_io_concurrency = {ahead}")


def _after_flush(sender, using="default", **kwargs):
    """`manage.py flush` empties the record tables but not the index's: clear what
    the index holds of records that are all gone, so counts and facets answered
    from it stay true. (Transactional tests flush without this signal; the test
    suite's conftest calls clear_orphans itself.)"""
    from django.db import DEFAULT_DB_ALIAS

    if sender.label == "coopdir" and using == DEFAULT_DB_ALIAS:
        clear_orphans()


def clear_orphans():
    """Clear the index of a kind of record none of which exists any more."""
    from .rebuild import record_models

    cleared = False
    for model in record_models():
        if not model._base_manager.exists() and engine.indexed_any(model):
            engine.clear(model)
            cleared = True
    if cleared:
        engine.bump_version()


def connect():
    connection_created.connect(_tune_connection, dispatch_uid="search-tune")
    post_migrate.connect(_after_flush, dispatch_uid="search-after-flush")
    from mechanisms.models import Mechanism, MechanismCountry, MechanismName
    from organisations.models import (
        Organisation,
        OrganisationCountry,
        OrganisationName,
        Sector,
    )

    def record_saved(sender, instance, **kwargs):
        _reindex(sender, [instance.pk])

    def record_deleted(sender, instance, **kwargs):
        if active():
            engine.delete_documents(sender, [instance.pk])
            engine.bump_version()

    for model in (Organisation, Mechanism):
        post_save.connect(
            record_saved, sender=model, dispatch_uid=f"search-{model}", weak=False
        )
        post_delete.connect(
            record_deleted, sender=model, dispatch_uid=f"search-del-{model}", weak=False
        )

    # Rows that belong to one record: other names and countries.
    for row_model, owner, fk in (
        (OrganisationName, Organisation, "organisation_id"),
        (OrganisationCountry, Organisation, "organisation_id"),
        (MechanismName, Mechanism, "mechanism_id"),
        (MechanismCountry, Mechanism, "mechanism_id"),
    ):

        def row_changed(sender, instance, owner=owner, fk=fk, **kwargs):
            _reindex(owner, [getattr(instance, fk)])

        post_save.connect(row_changed, sender=row_model, weak=False)
        post_delete.connect(row_changed, sender=row_model, weak=False)

    for owner in (Organisation, Mechanism):
        through = owner.sectors.through

        def sectors_changed(
            sender, instance, action, reverse, pk_set, owner=owner, **kwargs
        ):
            if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
                return
            if not reverse:
                _reindex(owner, [instance.pk])
            elif action == "pre_clear":
                # Sector.organisations.clear(): note who loses it before it goes.
                instance._search_cleared = list(
                    getattr(
                        instance,
                        owner._meta.get_field("sectors").remote_field.related_name,
                    ).values_list("pk", flat=True)
                )
            elif action == "post_clear":
                _reindex(owner, getattr(instance, "_search_cleared", []))
            else:
                _reindex(owner, pk_set or [])

        m2m_changed.connect(sectors_changed, sender=through, weak=False)

    def sector_saved(sender, instance, created, raw=False, **kwargs):
        if created or not active():
            return
        # A renamed sector: every record in it carries the old name.
        for owner in (Organisation, Mechanism):
            pks = owner.sectors.through.objects.filter(sector_id=instance.pk)
            fk = f"{owner._meta.model_name}_id"
            pks = list(pks.values_list(fk, flat=True))
            for start in range(0, len(pks), 2000):
                _reindex(owner, pks[start : start + 2000])

    post_save.connect(
        sector_saved, sender=Sector, dispatch_uid="search-sector", weak=False
    )

    def sector_deleting(sender, instance, **kwargs):
        # Its through rows go without signals: note whose documents name it.
        instance._search_holders = [
            (
                owner,
                list(
                    owner.objects.filter(sectors=instance).values_list("pk", flat=True)
                ),
            )
            for owner in (Organisation, Mechanism)
        ]

    def sector_deleted(sender, instance, **kwargs):
        for owner, pks in getattr(instance, "_search_holders", []):
            for start in range(0, len(pks), 2000):
                _reindex(owner, pks[start : start + 2000])
        engine.bump_version()

    pre_delete.connect(
        sector_deleting, sender=Sector, dispatch_uid="search-sector-pre", weak=False
    )

    # Secretariats and participants are not indexed, but the mechanisms filter
    # `organisation` reads them, and a new sector changes the sector list: cached
    # counts and facets must not outlive such a change.
    def link_changed(sender, **kwargs):
        if active():
            engine.bump_version()

    from mechanisms.models import Participant, Secretariat

    for link_model in (Secretariat, Participant, Sector):
        post_save.connect(link_changed, sender=link_model, weak=False)
        post_delete.connect(link_changed, sender=link_model, weak=False)
    post_delete.connect(
        sector_deleted, sender=Sector, dispatch_uid="search-sector-del", weak=False
    )
