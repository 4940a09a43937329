from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "gongjiang.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from gongjiang.core.pages import register_panel
        from gongjiang.portal.self_service import INVITE_PANEL

        register_panel("registry.Person", INVITE_PANEL)
