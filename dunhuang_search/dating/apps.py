from django.apps import AppConfig


class DatingConfig(AppConfig):
    name = "dunhuang_search.dating"
    verbose_name = "Datings of murals and elements, reign eras, and the dating assistant"
