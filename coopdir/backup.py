"""The whole directory as one versioned JSON document, and back."""

import datetime
import json

from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

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
FORMAT_VERSION = 1

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
BY_LABEL = {model._meta.label_lower: model for model in MODELS}


class BackupError(Exception):
    """A document that cannot be restored, with the reason."""


def counts():
    return {label: model._base_manager.count() for label, model in BY_LABEL.items()}


def export_document():
    """Return the whole directory as a JSON-ready dict."""
    records = []
    for model in MODELS:
        records += serializers.serialize(
            "python", model._base_manager.order_by("pk").iterator()
        )
    for record in records:
        for name, value in record["fields"].items():
            if isinstance(value, list):
                record["fields"][name] = sorted(value)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
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
    return not any(model._base_manager.exists() for model in MODELS)


def clear():
    # A relation to a parent needs the parent: drop both before the parents go.
    Organisation._base_manager.update(parent=None, relation_to_parent="")
    Sector._base_manager.update(parent=None)
    for model in reversed(MODELS):
        model._base_manager.all().delete()


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
    try:
        objects = list(serializers.deserialize("python", document["records"]))
    except serializers.base.DeserializationError as e:
        raise BackupError(f"A record cannot be read: {e}") from None
    with connection.constraint_checks_disabled():
        for obj in objects:
            obj.save()
    connection.check_constraints(table_names=[model._meta.db_table for model in MODELS])
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), MODELS):
            cursor.execute(sql)
    restored = counts()
    if dry_run:
        transaction.set_rollback(True)
    return restored
