"""Sign in to the admin as a person does: a password and an authenticator's code."""

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user):
    """Return a TOTP device (an authenticator app) for user."""
    return TOTPDevice.objects.create(user=user, name="phone")


def current_code(username):
    """Return a code the user's authenticator shows now that has not been used yet
    ("" when the user has none): a device takes each code once."""
    device = TOTPDevice.objects.filter(user__username=username).first()
    if device is None:
        return ""
    base = int((time.time() - device.t0) // device.step)
    # The device accepts its time step give or take device.tolerance (after its
    # drift); the middle one leaves room for the clock to tick over meanwhile.
    step = max(base + device.drift, device.last_t + 1)
    code = totp(device.bin_key, device.step, device.t0, device.digits, step - base)
    return f"{code:0{device.digits}d}"
