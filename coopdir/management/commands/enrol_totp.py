from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

TRIES = 3


class Command(BaseCommand):
    help = (
        "Give a staff user an authenticator app (TOTP) for the admin's second factor: "
        "prints a QR code, the key and its otpauth:// address, then asks for a code "
        "from the app to check it was added."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="device name")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="remove the user's TOTP devices first (a lost phone)",
        )
        parser.add_argument("--no-qr", action="store_true", help="print no QR code")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for a code: the device counts at once",
        )

    def handle(self, *args, username, name, replace, interactive, no_qr, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_staff:
            raise CommandError(f"There is no staff user {username!r}.")
        devices = TOTPDevice.objects.filter(user=user)
        if devices.filter(confirmed=True).exists() and not replace:
            raise CommandError(
                f"{username} has an authenticator already; --replace replaces it."
            )
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
        key = b32encode(device.bin_key).decode()
        if not no_qr:
            segno.make(device.config_url).terminal(out=self.stdout, compact=True)
        self.stdout.write(
            f"Scan the code with {username}'s authenticator app, or add the key:\n"
            f"  key: {' '.join(key[i : i + 4] for i in range(0, len(key), 4))}\n"
            f"  {device.config_url}"
        )
        if interactive:
            self.confirm(device)
        with transaction.atomic():
            devices.exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{username} now signs in to the admin with a code from the app."
            )
        )

    def confirm(self, device):
        for _ in range(TRIES):
            code = input("A code the app shows now: ").strip()
            if device.verify_token(code):
                return
            self.stderr.write("That code does not match; try the current one.")
        device.delete()
        raise CommandError(
            "No code matched: the new key is discarded, nothing changed."
        )
