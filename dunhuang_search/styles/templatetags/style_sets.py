"""`{% load style_sets %}`: `user|may_style` says whether "Add to style set" is offered
(archaeologists and staff)."""

from __future__ import annotations

from django import template

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role

register = template.Library()


@register.filter
def may_style(user) -> bool:
    return has_role(user, ARCHAEOLOGIST)
