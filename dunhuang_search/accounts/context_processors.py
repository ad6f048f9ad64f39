"""`user_role` in every template: the signed-in user's highest role, for the header menu
(worked out only when a template reads it)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .roles import READER, role_of


def role(request) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {"user_role": READER}
    return {"user_role": SimpleLazyObject(lambda: role_of(user))}
