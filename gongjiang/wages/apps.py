from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagesConfig(AppConfig):
    name = "gongjiang.wages"
    label = "wages"
    verbose_name = _("Wage prices")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use the models, which are not loaded yet then.
        from gongjiang.core.tasks import on_worker_start
        from gongjiang.core.todo import register_todo
        from gongjiang.imports import kinds
        from gongjiang.wages import import_kinds, rules, todo
        from gongjiang.wages.tasks import recover_on_worker_start

        for kind in import_kinds.KINDS:
            kinds.register(kind)
        rules.register()
        on_worker_start(recover_on_worker_start)
        register_todo(todo.wages_todos)
