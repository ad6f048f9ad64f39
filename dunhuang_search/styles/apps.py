from django.apps import AppConfig


class StylesConfig(AppConfig):
    name = "dunhuang_search.styles"
    verbose_name = "Style sets, style transfer and the style map"
