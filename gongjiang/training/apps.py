from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "gongjiang.training"
    label = "training"
    verbose_name = _("Training and subsidies")

    def ready(self) -> None:
        from gongjiang.training import rules  # the models must be loaded first

        rules.register()
