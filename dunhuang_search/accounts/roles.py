"""The three roles and the checks every write makes: `reader` (anonymous visitors too) browses
and searches; `archaeologist` reviews and uses categories, boards and the studio; `staff`
(`is_staff`) ingests, indexes, trains and manages users, and may do all an archaeologist may.

HTML views use `role_required(ROLE)` (anonymous: redirect to login; signed in without the role:
403); DRF views use `role_permission(ROLE)` (reads open to all, writes need the role; anonymous
writes 401/403 JSON).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

READER, ARCHAEOLOGIST, STAFF = "reader", "archaeologist", "staff"
ROLES: tuple[str, ...] = (READER, ARCHAEOLOGIST, STAFF)
GROUPS: tuple[str, ...] = (READER, ARCHAEOLOGIST)  # staff is the is_staff flag, not a group


def has_role(user, role: str) -> bool:
    """Whether `user` holds `role` (or a higher one); everyone, anonymous too, is a reader."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if role == READER:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if role == STAFF:
        return False
    return user.groups.filter(name=ARCHAEOLOGIST).exists()


def role_of(user) -> str:
    """The highest role `user` holds."""
    for role in reversed(ROLES):
        if has_role(user, role):
            return role
    return READER


def role_required(role: str) -> Callable:
    """View decorator: anonymous visitors are sent to the login page (302, with `next`);
    signed-in users without `role` get 403."""

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if has_role(request.user, role):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied(f"this needs the {role} role")

        return checked

    return decorate


def role_permission(role: str, reads_open: bool = True) -> type[BasePermission]:
    """A DRF permission class: safe methods open to everyone (unless `reads_open` is false),
    other methods need `role`."""

    class HasRole(BasePermission):
        message = f"this needs the {role} role"

        def has_permission(self, request, view) -> bool:
            if reads_open and request.method in SAFE_METHODS:
                return True
            return has_role(request.user, role)

    HasRole.__name__ = f"Has{role.title()}Role"
    return HasRole


#: DRF's default permission (settings.REST_FRAMEWORK): reads open, writes for staff, so that an
#: API write whose view names no role is never open to everyone.
StaffWrites = role_permission(STAFF)
