from django.apps import AppConfig


class GridConfig(AppConfig):
    """Real-time network model and operations (Postgres)."""

    name = "grid"
    verbose_name = "Grid"

    def ready(self) -> None:
        from grid import signals

        signals.connect()
