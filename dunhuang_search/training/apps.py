from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "dunhuang_search.training"
    label = "training"
    verbose_name = "detector training"
    default_auto_field = "django.db.models.BigAutoField"
