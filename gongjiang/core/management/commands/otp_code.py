"""`gongjiang otp_code USER`: the one-time code USER's authenticator shows now. For demos and development
only: refused unless GONGJIANG_DEBUG is on, since whoever runs it needs no authenticator."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from gongjiang.core.models import User
from gongjiang.core.second_factor import confirmed_device


class Command(BaseCommand):
    help = "Print the current one-time code of a user's authenticator (development and demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("otp_code runs only with GONGJIANG_DEBUG on (a demo or development platform).")
        user = User.objects.filter(username=options["username"]).first()
        device = confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{options['username']} has no authenticator set up.")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
