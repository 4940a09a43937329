from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabourConfig(AppConfig):
    name = "gongjiang.labour"
    label = "labour"
    verbose_name = _("Labour market")

    def ready(self) -> None:
        from gongjiang.core.tasks import on_worker_start
        from gongjiang.labour import rules
        from gongjiang.labour.tasks import recover_on_worker_start

        rules.register()
        on_worker_start(recover_on_worker_start)

        from gongjiang.core.pages import Panel, register_panel
        from gongjiang.labour.skill_path import person_panel

        register_panel("registry.Person", Panel("labour/_skill_path_panel.html", person_panel, order=500))

        from gongjiang.core.pickers import register_source
        from gongjiang.labour.forms import PICKERS

        for kind, source in PICKERS.items():
            register_source(kind, source)
