"""The verification log, written on every public query, without work that locks or indexes more than
its queries need: no database check of its certificate reference (which locked the certificate's row at
each commit; the reference comes from the lookup in the same statement and Django's PROTECT still guards
deletion) and no ``varchar_pattern_ops`` twin of the client hash index (compared whole, never by
prefix)."""

import django.db.models.deletion
from django.db import migrations, models

from gongjiang.core.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    dependencies = [("credentials", "0003_drop_unused_pattern_indexes")]

    operations = [
        migrations.AlterField(
            model_name="verificationevent",
            name="certificate",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="verifications",
                to="credentials.certificate",
                verbose_name="certificate",
            ),
        ),
        DropPatternIndexes("credentials_verificationevent", ["client_hash"]),
    ]
