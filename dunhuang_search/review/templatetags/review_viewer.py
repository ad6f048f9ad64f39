"""The mural viewer's "Mark as missed element" panel, rendered only for archaeologists (and
staff): `{% load review_viewer %}{% missed_element_panel %}` in catalogue/mural_viewer.html."""

from __future__ import annotations

from django import template
from django.urls import reverse

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role
from dunhuang_search.elements.models import Category

register = template.Library()


@register.inclusion_tag("review/_missed_panel.html", takes_context=True)
def missed_element_panel(context) -> dict:
    """The panel's categories and endpoint; nothing at all for readers and visitors."""
    request = context.get("request")
    if request is None or not has_role(request.user, ARCHAEOLOGIST):
        return {"shown": False}
    return {
        "shown": True,
        "categories": list(Category.objects.order_by("name")),
        "url": reverse("review:api_missed"),
    }
