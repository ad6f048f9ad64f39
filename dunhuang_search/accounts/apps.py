from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dunhuang_search.accounts"
    verbose_name = "Accounts and roles"
