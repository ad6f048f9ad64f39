from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "dunhuang_search.library"
    verbose_name = "Element libraries: galleries, counts, motif groups, similarity"
