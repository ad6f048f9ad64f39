from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "dunhuang_search.review"
    verbose_name = "The review queue and its history"
