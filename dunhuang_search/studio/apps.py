from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "dunhuang_search.studio"
    verbose_name = "Restoration and style derivatives"
