from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "gongjiang.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Imported here: these modules import models, which are not loaded when this module is.
        from gongjiang.core.changefeed import subscribe
        from gongjiang.core.todo import register_todo
        from gongjiang.monitoring import todo
        from gongjiang.monitoring.changequeue import TRACKED
        from gongjiang.monitoring.tasks import changes_recorded

        # Writes of the models the rollup follows queue their changes and ask for an update on commit.
        subscribe(TRACKED, changes_recorded)
        register_todo(todo.monitoring_todos)
