import base64
import os
import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print fresh production keys (secret key, PII encryption key, PII blind-index key) as environment lines."

    requires_system_checks: list = []

    def handle(self, *args, **options):
        self.stdout.write(f"GONGJIANG_SECRET_KEY={secrets.token_urlsafe(50)}")
        self.stdout.write(f"GONGJIANG_PII_KEY={base64.b64encode(os.urandom(32)).decode()}")
        self.stdout.write(f"GONGJIANG_PII_INDEX_KEY={base64.b64encode(os.urandom(32)).decode()}")
