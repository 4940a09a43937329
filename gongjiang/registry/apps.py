from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongjiang.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use the models, which are not loaded yet then.
        from gongjiang.core.pickers import register_source
        from gongjiang.imports import export, kinds
        from gongjiang.registry import exports, import_kinds
        from gongjiang.registry.selectors import pick_organisations, pick_persons

        for kind in import_kinds.KINDS:
            kinds.register(kind)
        for spec in exports.EXPORTS:
            export.register(spec)
        register_source("organisations", pick_organisations)
        register_source("persons", pick_persons, by_post=True)
