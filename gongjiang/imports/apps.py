from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from gongjiang.core.tasks import on_worker_start


class ImportsConfig(AppConfig):
    name = "gongjiang.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        # Imported here, not at the top: the tasks use the models, which are not loaded yet then.
        from gongjiang.imports.tasks import recover_on_worker_start

        on_worker_start(recover_on_worker_start)
