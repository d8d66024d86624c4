"""Move DRF's plain API tokens (rest_framework.authtoken) to hashed knox tokens.

DRF kept each key in clear, so each is hashed here as knox hashes its own, and keeps
working until settings.API_TOKEN_DAYS from now; then the old table, the last copy of
the secrets in clear, is dropped.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_old_tokens(apps, schema_editor):
    move_drf_tokens(apps, schema_editor.connection)


def move_drf_tokens(apps, connection):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        token.save(force_insert=True)
        # auto_now_add set it to now: keep when the key was really issued.
        AuthToken.objects.filter(pk=token.pk).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(OLD_TABLE)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("coopdir", "0012_search_indexes_kept_compact"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop)]
