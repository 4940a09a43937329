from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongjiang.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from gongjiang.core.pickers import register_source  # after the models are loaded
        from gongjiang.registry.selectors import pick_organisations, pick_persons

        register_source("organisations", pick_organisations)
        register_source("persons", pick_persons, by_post=True)
