from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "gongjiang.credentials"
    label = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use the models, which are not loaded yet then.
        from gongjiang.core.pages import Panel, register_panel
        from gongjiang.credentials import exports, import_kinds, selectors
        from gongjiang.imports import export, kinds

        for kind in import_kinds.KINDS:
            kinds.register(kind)
        for spec in exports.EXPORTS:
            export.register(spec)
        person = Panel("credentials/_person_certificates.html", selectors.person_certificates)
        organisation = Panel("credentials/_organisation_certificates.html", selectors.organisation_certificates)
        register_panel("registry.Person", person)
        register_panel("registry.Organisation", organisation)
        from gongjiang.credentials.regions import certificates_follow_holders
        from gongjiang.registry.regions import follow_persons

        follow_persons(certificates_follow_holders)
