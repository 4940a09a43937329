"""The rollup's own change queue and the state of its background runs; the change-log position and the
pending change-record ids go. Change records the last rollup had not applied yet are copied to the queue
first, so that the next update applies them."""

from django.db import migrations, models

TRACKED_FIELDS = {
    "credentials.Certificate": ("person_id", "level_id", "occupation_id", "source", "issue_date", "revoked_on"),
    "registry.Person": ("residence_region_code", "sex", "birth_date"),
    "registry.Employment": ("person_id", "organisation_id", "start", "end"),
    "registry.Organisation": ("industry_id",),
}


def queue_unapplied(apps, schema_editor):  # type: ignore[no-untyped-def]
    state = apps.get_model("monitoring", "RollupState").objects.filter(pk=1).first()
    if state is None:
        return  # no rollup yet: the first one is a full rebuild
    ChangeRecord = apps.get_model("core", "ChangeRecord")
    RollupChange = apps.get_model("monitoring", "RollupChange")
    pending = [int(p[0]) for p in state.pending_change_ids or []]
    records = (
        ChangeRecord.objects.filter(models.Q(id__gt=state.change_id) | models.Q(id__in=pending))
        .filter(model__in=list(TRACKED_FIELDS))
        .order_by("id")
        .values_list("model", "action", "object_id", "before")
    )
    rows = []
    for model, action, object_id, before in records.iterator(chunk_size=5000):
        if model == "registry.Organisation" and action != "update":
            continue
        kept = None if before is None else {k: before[k] for k in TRACKED_FIELDS[model] if k in before}
        rows.append(RollupChange(model=model, action=action, object_id=int(object_id) if object_id else None, before=kept))
    RollupChange.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0003_region_fact_fillfactor'),
        ('core', '0002_changerecord_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='RollupChange',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('model', models.CharField(max_length=40)),
                ('action', models.CharField(max_length=20)),
                ('object_id', models.BigIntegerField(blank=True, null=True)),
                ('before', models.JSONField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='RollupRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('update_requested_at', models.DateTimeField(blank=True, null=True)),
                ('rebuild_requested_at', models.DateTimeField(blank=True, null=True)),
                ('task_id', models.CharField(blank=True, default='', max_length=64)),
                ('running', models.CharField(blank=True, default='', max_length=12)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('step', models.CharField(blank=True, default='', max_length=200)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('outcome', models.JSONField(blank=True, default=dict)),
                ('error', models.TextField(blank=True, default='')),
                ('refresh_total', models.PositiveIntegerField(default=0)),
                ('refresh_done', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(queue_unapplied, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='rollupstate',
            name='change_id',
        ),
        migrations.RemoveField(
            model_name='rollupstate',
            name='pending_change_ids',
        ),
    ]
