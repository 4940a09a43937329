from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "gongjiang.credentials"
    label = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use the models, which are not loaded yet then.
        from gongjiang.credentials import exports, import_kinds
        from gongjiang.imports import export, kinds

        for kind in import_kinds.KINDS:
            kinds.register(kind)
        for spec in exports.EXPORTS:
            export.register(spec)
