"""Rebuilding the whole index from the records (after bulk writes, or on demand)."""

from django.db import connection, transaction
from django.db.models import Q

from . import engine

CHUNK = 2000


def record_models():
    from mechanisms.models import Mechanism
    from organisations.models import Organisation

    return [Organisation, Mechanism]


def rebuild(models=None, progress=None):
    """Rebuild the index of models (default: all) in one transaction.

    progress, when given, is called with the number of records just indexed.
    """
    from collections import Counter

    models = models or record_models()
    with transaction.atomic():
        engine.clear_words()
        for model in models:
            engine.clear(model)
            if engine.is_postgres():
                # One index build at the end beats a million index updates.
                with connection.cursor() as cursor:
                    engine.drop_indexes(model, cursor)
            ords = engine.name_order(model)
            totals = Counter()
            pks = model._base_manager.order_by("pk").values_list("pk", flat=True)
            last = 0
            while True:
                chunk = list(pks.filter(pk__gt=last)[:CHUNK])
                if not chunk:
                    break
                docs = engine.build_documents(
                    model, Q(pk__gte=chunk[0], pk__lte=chunk[-1])
                )
                engine.write_documents(
                    model,
                    docs,
                    fresh=True,
                    ords={pk: ords[pk] for pk in docs},
                    totals=totals,
                )
                last = chunk[-1]
                if progress:
                    progress(len(chunk))
            with connection.cursor() as cursor:
                engine.add_totals(totals, cursor)
                engine.merge_segments(model, cursor)
                if engine.is_postgres():
                    # Rows in name order first (CLUSTER): see engine.index_ddl.
                    for statement in engine.index_ddl(model, cluster=True):
                        cursor.execute(statement)
        engine.bump_version()
        # Fresh statistics: without them the planners scan the status index of a
        # large table instead of starting from the (much smaller) index matches.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def vacuum(models=None):
    """After a large rebuild on PostgreSQL: set hint bits and the visibility map now,
    not in the first searches. Must run outside a transaction."""
    if not engine.is_postgres() or not connection.get_autocommit():
        return
    with connection.cursor() as cursor:
        for model in models or record_models():
            cursor.execute(f"VACUUM ANALYZE {engine.table(model)}")
        cursor.execute(f"VACUUM ANALYZE {engine.FACET_TABLE}")
        cursor.execute(f"VACUUM ANALYZE {engine.KEY_TABLE}")
        cursor.execute(f"VACUUM ANALYZE {engine.ORDER_TABLE}")


def vacuum_everything():
    """After a bulk load on PostgreSQL (manage.py generate_directory): vacuum and
    analyze every table, so the first reads of the records do not set their hint
    bits (writing the pages back), the visibility map lets index scans skip the
    heap, and the planners know the tables' sizes. Autovacuum would in time; it
    may be off. Must run outside a transaction."""
    if not engine.is_postgres() or not connection.get_autocommit():
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
