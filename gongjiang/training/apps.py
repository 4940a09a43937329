from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "gongjiang.training"
    label = "training"
    verbose_name = _("Training and subsidies")

    def ready(self) -> None:
        from gongjiang.core.todo import register_todo
        from gongjiang.policy.sources import register_event_source
        from gongjiang.training import pricing, rules, todo  # the models must be loaded first

        rules.register()
        register_event_source(pricing.region_events)
        register_todo(todo.training_todos)
