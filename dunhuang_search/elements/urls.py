"""Element actions outside the API: a reviewer's inscription text."""
from django.urls import path

from . import views

app_name = "elements"
urlpatterns = [
    path("<int:pk>/ocr/", views.correct_ocr_text, name="correct_ocr"),
]
