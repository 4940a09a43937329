"""Drop the ``varchar_pattern_ops`` twins of the certificate number and status indexes on PostgreSQL:
numbers are verified and looked up whole and statuses compared by equality, never by prefix (see
registry 0002)."""

from django.db import migrations

from gongjiang.core.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    dependencies = [("credentials", "0002_signing_keys_and_verifications")]

    operations = [DropPatternIndexes("credentials_certificate", ["number", "status"])]
