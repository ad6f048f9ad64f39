"""WSGI entry point (gunicorn dunhuang_search.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dunhuang_search.settings")
application = get_wsgi_application()
