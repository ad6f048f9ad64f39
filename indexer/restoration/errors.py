"""The one error type of the restoration package: bad input, said in one readable line."""

from __future__ import annotations


class RestorationError(ValueError):
    """Input that cannot be restored as asked (mask size, empty mask, unknown method or model,
    corrupt checkpoint, unreadable image). The message is one line, meant for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
