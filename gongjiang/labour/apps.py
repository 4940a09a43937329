from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabourConfig(AppConfig):
    name = "gongjiang.labour"
    label = "labour"
    verbose_name = _("Labour market")

    def ready(self) -> None:
        from gongjiang.labour import rules

        rules.register()
