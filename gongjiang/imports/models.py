"""Import jobs: one uploaded file, checked and (on confirmation) imported by a background task."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped
from gongjiang.imports.kinds import choices as kind_choices


class ImportJob(Scoped):
    """A file being checked or imported. The file itself is kept encrypted under ``IMPORTS_DIR`` until it
    is imported or discarded; the error report is kept encrypted beside it."""

    SCOPE = Scope("region_code")  # where the officer who uploaded the file works

    class Mode(models.TextChoices):
        CHECK = "check", _("Check only")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        CHECKED = "checked", _("Checked: valid")
        REJECTED = "rejected", _("Rejected")
        IMPORTED = "imported", _("Imported")
        PARTIAL = "partial", _("Imported valid rows; others rejected")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.CHECKED, Status.REJECTED, Status.IMPORTED, Status.PARTIAL, Status.FAILED)

    # The kinds the apps register (imports.kinds); a callable, so that a new kind needs no migration.
    kind = models.CharField(_("kind"), max_length=20, choices=kind_choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CHECK)
    partial = models.BooleanField(_("import valid rows, report the rest"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(_("stage"), max_length=40, blank=True, default="")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    original_name = models.CharField(_("file name"), max_length=200)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    stored_name = models.CharField(_("stored file"), max_length=100, blank=True, default="")
    report_name = models.CharField(_("stored report"), max_length=100, blank=True, default="")

    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True, default="", db_index=True)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    request_id = models.CharField(_("request or batch id"), max_length=64, blank=True, default="")

    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    create_count = models.PositiveIntegerField(_("new"), default=0)
    update_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    # File-level problems, ignored columns and the first errors, for the page (values already masked).
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name} ({self.pk})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def can_confirm(self) -> bool:
        """A checked file may be imported; a rejected one too, but only its valid rows (partial)."""
        return (
            bool(self.stored_name)
            and self.mode == self.Mode.CHECK
            and self.status
            in (
                self.Status.CHECKED,
                self.Status.REJECTED,
            )
            and not self.summary.get("file_errors")
        )
