from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongjiang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gongjiang.core import second_factor  # noqa: F401  (its sign-in receiver)
