from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "gongjiang.credentials"
    label = "credentials"
    verbose_name = _("Credentials")

    def ready(self) -> None:
        from gongjiang.core.pages import Panel, register_panel  # after the models are loaded
        from gongjiang.credentials import selectors

        register_panel("registry.Person", Panel("credentials/_person_certificates.html", selectors.person_certificates))
        register_panel(
            "registry.Organisation",
            Panel("credentials/_organisation_certificates.html", selectors.organisation_certificates),
        )
