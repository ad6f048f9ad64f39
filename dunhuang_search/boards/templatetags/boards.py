"""`{% load boards %}`: `user|may_pin` says whether the Pin button is offered (archaeologists)."""

from __future__ import annotations

from django import template

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role

register = template.Library()


@register.filter
def may_pin(user) -> bool:
    return has_role(user, ARCHAEOLOGIST)
