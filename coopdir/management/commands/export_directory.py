from pathlib import Path

from django.core.management import BaseCommand, CommandError

from coopdir import backup


class Command(BaseCommand):
    help = (
        "Write the whole directory (organisations, mechanisms, sectors, sources and "
        "every row inside them), the groups, the staff accounts and the revision "
        "history to PATH as one versioned JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be written; write nothing.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Overwrite PATH if it exists."
        )
        parser.add_argument(
            "--with-passwords",
            action="store_true",
            help="Include the accounts' password hashes (keep the file secret).",
        )

    def handle(self, path, dry_run=False, force=False, with_passwords=False, **options):
        target = Path(path)
        if target.exists() and not force and not dry_run:
            raise CommandError(f"{target} exists; use --force to overwrite it.")
        if not target.parent.is_dir():
            raise CommandError(f"There is no folder {target.parent}.")
        document = backup.export_document(with_passwords=with_passwords)
        total = len(document["records"])
        if dry_run:
            self.stdout.write(f"Would write {total} records to {target}.")
            return
        if with_passwords:
            # Password hashes: readable by this user only from the first byte.
            target.touch(mode=0o600)
            target.chmod(0o600)
        target.write_text(backup.dumps(document), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {total} records to {target}."))
