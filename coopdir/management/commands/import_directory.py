import json
from pathlib import Path

from django.core.management import BaseCommand, CommandError, call_command

from coopdir import backup
from coopdir.search import signals


class Command(BaseCommand):
    help = (
        "Restore a directory written by export_directory into an empty database "
        "(refuses a database that holds records unless --replace)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON document to read.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete every directory record first, then restore.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and load in a transaction that is rolled back.",
        )

    def handle(self, path, replace=False, dry_run=False, **options):
        source = Path(path)
        try:
            document = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"There is no file {source}.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CommandError(f"{source} is not a JSON document: {e}") from None
        try:
            with signals.suspended():
                restored = backup.restore(document, replace=replace, dry_run=dry_run)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        total = sum(restored.values())
        if dry_run:
            self.stdout.write(f"Dry run: {total} records would be restored.")
            return
        call_command("rebuild_search_index", verbosity=0, no_progress=True)
        self.stdout.write(self.style.SUCCESS(f"Restored {total} records."))
