from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "gongjiang.policy"
    label = "policy"
    verbose_name = _("Policy")

    def ready(self) -> None:
        from gongjiang.policy import rules  # the models must be loaded first

        rules.register()
