from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "gongjiang.training"
    label = "training"
    verbose_name = _("Training and subsidies")

    def ready(self) -> None:
        from gongjiang.core.todo import register_todo
        from gongjiang.training import rules, todo  # the models must be loaded first

        rules.register()
        register_todo(todo.training_todos)
