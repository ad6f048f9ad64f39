"""Which torch device a model runs on: one rule for the detector, the embedders and training.

"auto" is the first CUDA GPU when torch sees one, else the CPU; "cuda" and "cuda:N" must exist.
"""

from __future__ import annotations


class DeviceError(ValueError):
    """A device that is unknown or not here; the message is one readable line."""


def resolve_device(device: str = "auto") -> str:
    """"cpu" or "cuda:N" for "auto", "cpu", "cuda" or "cuda:N" (any case, spaces ignored)."""
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    if name not in ("auto", "cuda") and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise DeviceError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    import torch

    if name == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise DeviceError(f"device {device} was asked for, but torch sees no CUDA GPU here")
    index = int(name[5:]) if name != "cuda" else 0
    if index >= torch.cuda.device_count():
        raise DeviceError(
            f"device {device} was asked for, but only {torch.cuda.device_count()} CUDA GPU(s)"
            " are visible"
        )
    return f"cuda:{index}"
