from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "gongjiang.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # Imported here, not at the top: the rules use the models, which are not loaded yet then.
        from gongjiang.core.todo import register_todo
        from gongjiang.evaluation import rules, todo

        rules.register()
        register_todo(todo.evaluation_todos)
