"""Two writers on one SQLite file: the second waits for the first, never fails."""

import threading
import time

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

ALIAS = "locking_probe"


def connect(path):
    """Open this thread's connection to path with the project's SQLite options."""
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(settings.SQLITE_OPTIONS),
    }
    connections[ALIAS] = DatabaseWrapper(settings_dict, ALIAS)
    return connections[ALIAS]


def test_a_save_during_a_long_write_waits_for_it_rather_than_failing(
    tmp_path, django_db_blocker
):
    # Its own database file (not the test database): no fixture's transaction
    # around it, two real connections.
    with django_db_blocker.unblock():
        two_writers(tmp_path / "locking.sqlite3")


def two_writers(path):
    connection = connect(path)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE record (name TEXT)")
    written, errors = threading.Event(), []

    def long_import():
        connect(path)
        try:
            with transaction.atomic(using=ALIAS):
                with connections[ALIAS].cursor() as cursor:
                    cursor.execute("INSERT INTO record VALUES ('imported')")
                    written.set()
                    time.sleep(1)  # the rest of a batch of an import
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            written.set()
            connections[ALIAS].close()

    importer = threading.Thread(target=long_import)
    importer.start()
    assert written.wait(10)
    try:
        # Another person's save: the change form reads the record, then writes.
        with transaction.atomic(using=ALIAS):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM record")
                cursor.execute("INSERT INTO record VALUES ('edited')")
    except Exception as error:  # noqa: BLE001 - reported below
        errors.append(error)
    importer.join()
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM record ORDER BY name")
        assert cursor.fetchall() == [("edited",), ("imported",)]
    connection.close()
