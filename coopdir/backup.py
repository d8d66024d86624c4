"""The whole directory as one versioned JSON document, and back.

Besides the records: the groups and staff accounts (no password hashes unless
asked) and the revision history, so that a restored directory still says who
changed what. Accounts and groups travel by name (natural keys) and merge into
those the target database has; content types and permissions travel by name too,
as their ids differ from one database to another."""

import datetime
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from reversion.models import Revision, Version

from mechanisms.models import (
    Mechanism,
    MechanismCountry,
    MechanismFigure,
    MechanismName,
    Participant,
    Secretariat,
    SubnationalParticipant,
)
from organisations.models import (
    Duty,
    KeyFigure,
    Membership,
    OldSlug,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    OrganisationRegion,
    Sector,
    Source,
)

FORMAT = "coopdir-directory"
# 2: accounts, groups and revision history added (version 1 documents still load).
FORMAT_VERSION = 2

# In the order a restore saves them; many-to-many links travel with their record.
MODELS = [
    Sector,
    Source,
    Organisation,
    OrganisationName,
    Duty,
    OrganisationCountry,
    OrganisationRegion,
    Membership,
    KeyFigure,
    Mechanism,
    MechanismName,
    MechanismCountry,
    SubnationalParticipant,
    Secretariat,
    Participant,
    MechanismFigure,
    OldSlug,  # so that a restored directory's old links still redirect
]
User = get_user_model()
# Saved before the records (a revision names its author) and merged by name.
ACCOUNTS = [Group, User]
# Saved after the records whose versions they hold.
HISTORY = [Revision, Version]
BY_LABEL = {model._meta.label_lower: model for model in [*ACCOUNTS, *MODELS, *HISTORY]}


class BackupError(Exception):
    """A document that cannot be restored, with the reason."""


def counts():
    return {label: model._base_manager.count() for label, model in BY_LABEL.items()}


def _serialize(model, **natural):
    records = serializers.serialize(
        "python", model._base_manager.order_by("pk").iterator(), **natural
    )
    for record in records:
        for name, value in record["fields"].items():
            if isinstance(value, list):
                record["fields"][name] = sorted(value)
    return records


def export_document(*, with_passwords=False):
    """Return the whole directory as a JSON-ready dict; password hashes only
    with_passwords."""
    by_name = {"use_natural_foreign_keys": True, "use_natural_primary_keys": True}
    records = []
    for model in ACCOUNTS:
        records += _serialize(model, **by_name)
    if not with_passwords:
        for record in records:
            record["fields"].pop("password", None)
    for model in MODELS:
        records += _serialize(model)
    for model in HISTORY:
        records += _serialize(model, use_natural_foreign_keys=True)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "with_passwords": with_passwords,
        "counts": counts(),
        "records": records,
    }


class Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes keep their microseconds (Django's cuts them
    to milliseconds, so a restore lost them, and one of under a millisecond came
    back written as another string)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            written = o.isoformat()
            return written[:-6] + "Z" if written.endswith("+00:00") else written
        return super().default(o)


def dumps(document):
    return json.dumps(document, cls=Encoder, ensure_ascii=False, indent=1)


def check_document(document):
    """Raise BackupError unless document is a directory this version can restore."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"This is not a {FORMAT} document.")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"Format version {version!r} is not one this program reads "
            f"(up to {FORMAT_VERSION})."
        )
    records = document.get("records")
    if not isinstance(records, list):
        raise BackupError("The document has no list of records.")
    labels = {r.get("model") if isinstance(r, dict) else None for r in records}
    unknown = labels - set(BY_LABEL)
    if unknown:
        raise BackupError(f"Unknown kinds of record: {', '.join(map(str, unknown))}.")


def is_empty():
    return not any(model._base_manager.exists() for model in [*MODELS, *HISTORY])


def clear():
    # A relation to a parent needs the parent: drop both before the parents go.
    Organisation._base_manager.update(parent=None, relation_to_parent="")
    Sector._base_manager.update(parent=None)
    for model in [*reversed(HISTORY), *reversed(MODELS)]:
        model._base_manager.all().delete()


def _keep_or_lock_password(user):
    """A user exported without a password keeps the one the database has, or
    gets none that works (set one with changepassword)."""
    known = User._base_manager.filter(pk=user.pk).values_list("password", flat=True)
    if user.pk and known:
        user.password = known[0]
    else:
        user.set_unusable_password()


@transaction.atomic
def restore(document, *, replace=False, dry_run=False):
    """Load document into the database; return the counts of what it holds."""
    check_document(document)
    if not is_empty():
        if not replace:
            raise BackupError(
                "The database already holds directory records; restore refuses to "
                "mix two directories (use --replace to delete them first)."
            )
        clear()
    tables = [model._meta.db_table for model in [*MODELS, *HISTORY]]
    user_label = User._meta.label_lower
    passwordless = {
        record["fields"].get(User.USERNAME_FIELD)
        for record in document["records"]
        if record.get("model") == user_label
        and "password" not in record.get("fields", {})
    }
    try:
        with connection.constraint_checks_disabled():
            # Saved as read: a record's names for others (a revision's author, a
            # user's groups) are looked up when it is read.
            for obj in serializers.deserialize("python", document["records"]):
                if isinstance(obj.object, User) and obj.object.username in passwordless:
                    _keep_or_lock_password(obj.object)
                obj.save()
    except serializers.base.DeserializationError as e:
        raise BackupError(f"A record cannot be read: {e}") from None
    connection.check_constraints(table_names=tables)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [*ACCOUNTS, *MODELS, *HISTORY]
        ):
            cursor.execute(sql)
    restored = counts()
    if dry_run:
        transaction.set_rollback(True)
    return restored
