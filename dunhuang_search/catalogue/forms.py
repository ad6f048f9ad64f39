"""The staff upload form for new murals."""
from __future__ import annotations

from django import forms

from .models import Period, Site


class MuralUploadForm(forms.Form):
    image = forms.FileField(help_text="JPEG, PNG or TIFF (BigTIFF and pyramidal TIFF too)")
    site = forms.ModelChoiceField(Site.objects.all(), to_field_name="slug", empty_label=None)
    cave = forms.IntegerField(min_value=1)
    wall = forms.CharField(max_length=100, initial="south")
    period = forms.ModelChoiceField(Period.objects.all(), to_field_name="slug", empty_label=None)
    title = forms.CharField(max_length=300, required=False)
    dpi = forms.IntegerField(min_value=1, required=False)
