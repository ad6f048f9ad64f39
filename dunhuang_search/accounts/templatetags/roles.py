"""`{% load roles %}`: `user|has_role:"archaeologist"` says whether to offer an action that needs
the role (the view checks it again)."""

from __future__ import annotations

from django import template

from dunhuang_search.accounts import roles

register = template.Library()


@register.filter
def has_role(user, role: str) -> bool:
    return roles.has_role(user, role)
