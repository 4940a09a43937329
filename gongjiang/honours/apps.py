from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HonoursConfig(AppConfig):
    name = "gongjiang.honours"
    label = "honours"
    verbose_name = _("Honours and awards")

    def ready(self) -> None:
        # Imported here: these modules use the models, which are not loaded yet at import time.
        from gongjiang.core.pages import Panel, register_panel
        from gongjiang.core.todo import register_todo
        from gongjiang.honours import payments, rules, selectors, todo

        rules.register()
        payments.register()
        register_todo(todo.honours_todos)
        register_panel("registry.Person", Panel("honours/_person_honours.html", selectors.person_panel, order=120))
