from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, so that its system checks run wherever Django starts."""

    name = "config"
    verbose_name = "Project configuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers checks and schema extensions
