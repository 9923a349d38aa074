from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Warehouse query layer (Snowflake in production, embedded DuckDB by default)."""

    name = "analytics"
    verbose_name = "Analytics"
