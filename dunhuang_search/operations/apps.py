from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "dunhuang_search.operations"
    verbose_name = "Operations: backups and restores"
