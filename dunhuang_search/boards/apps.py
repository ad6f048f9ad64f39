from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "dunhuang_search.boards"
    verbose_name = "Dating comparison boards"
