"""Who may see and who may change a board; every board view and endpoint asks these two.

- the owner views and edits (while they hold the archaeologist role, as every write needs);
- a user shared with the board, directly or through one of their groups, views it, and edits it
  when that share gives edit rights (and they hold the archaeologist role);
- a public board is read-only to anyone who has its token link; nobody edits through the link;
- staff may view any board (to moderate), but edit only as above.
"""

from __future__ import annotations

import secrets

from django.db.models import Q, QuerySet

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, has_role

from .models import Board, BoardShare


def _shares(user, board: Board) -> QuerySet[BoardShare]:
    return board.shares.filter(Q(user=user) | Q(group__in=user.groups.all()))


def can_view(user, board: Board, token: str | None = None) -> bool:
    if token is not None and board.visibility == Board.Visibility.PUBLIC:
        if secrets.compare_digest(token, board.public_token):
            return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if board.owner_id == user.pk or user.is_staff:
        return True
    if board.visibility == Board.Visibility.PRIVATE:
        return False
    return _shares(user, board).exists()


def can_edit(user, board: Board) -> bool:
    if not has_role(user, ARCHAEOLOGIST):
        return False
    if board.owner_id == user.pk:
        return True
    if board.visibility == Board.Visibility.PRIVATE:
        return False
    return _shares(user, board).filter(can_edit=True).exists()


def can_create(user) -> bool:
    return has_role(user, ARCHAEOLOGIST)


def visible_boards(user) -> QuerySet[Board]:
    """The boards `user` may open by id (their own and those shared with them)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Board.objects.none()
    if user.is_staff:
        return Board.objects.all()
    shared = Q(shares__user=user) | Q(shares__group__in=user.groups.all())
    return Board.objects.filter(
        Q(owner=user) | (shared & ~Q(visibility=Board.Visibility.PRIVATE))
    ).distinct()
