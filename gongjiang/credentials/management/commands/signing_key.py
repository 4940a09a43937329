"""`gongjiang signing_key list|rotate|retire`: the platform's Ed25519 keys (docs/verification.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.credentials import signing
from gongjiang.credentials.models import SigningKey


class Command(BaseCommand):
    help = "List, rotate or retire the Ed25519 keys that sign QR codes and verifiable credentials."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every key with its status.")
        rotate = sub.add_parser("rotate", help="Make a new signing key; the current one keeps verifying.")
        rotate.add_argument(
            "--private-key-file",
            help="Use this Ed25519 private key (PKCS#8 PEM) instead of generating one.",
        )
        rotate.add_argument(
            "--external",
            action="store_true",
            help="Register only the public half; servers read the private key from GONGJIANG_SIGNING_KEY_FILE "
            "or GONGJIANG_SIGNING_KEY (which must hold this key).",
        )
        retire = sub.add_parser("retire", help="Stop a key that no longer signs from verifying anything.")
        retire.add_argument("kid")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            for key in SigningKey.objects.order_by("created", "id"):
                where = "external" if key.held_externally else "database (encrypted)"
                self.stdout.write(
                    f"{key.kid}  {key.status:<11}  created {key.created:%Y-%m-%d %H:%M}  private key: {where}"
                    + (f"  retired {key.retired:%Y-%m-%d}" if key.retired else "")
                )
            return
        try:
            with audit_context(source="cli"):
                if action == "rotate":
                    private = None
                    if options["private_key_file"]:
                        private = signing.load_private_key(pem=Path(options["private_key_file"]).read_bytes())
                    elif options["external"]:
                        private = signing.external_private_key()
                        if private is None:
                            raise CommandError("--external needs GONGJIANG_SIGNING_KEY_FILE or GONGJIANG_SIGNING_KEY.")
                    key = signing.signing_key_rotate(private_key=private, store_private=not options["external"])
                    self.stdout.write(self.style.SUCCESS(f"{key.kid} now signs; earlier keys verify only."))
                else:
                    key = signing.signing_key_retire(kid=options["kid"])
                    self.stdout.write(self.style.SUCCESS(f"{key.kid} is retired and verifies nothing any more."))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
