"""The one error type of the style package: bad input, said in one readable line."""

from __future__ import annotations


class StyleError(ValueError):
    """Input that cannot be stylized as asked (an empty style set, an unknown method, an
    untrained model, an unreadable image). The message is one line, meant for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
