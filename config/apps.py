from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundTasksConfig(TasksAppConfig):
    """django-tasks' database backend under a name the admin shows in the reader's language
    (the package's own is fixed English)."""

    verbose_name = _("后台任务")
