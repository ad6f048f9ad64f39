"""One device rule for the detector, the embedders and training."""

from __future__ import annotations

import pytest

from indexer.devices import DeviceError, resolve_device


def test_auto_is_the_first_gpu_when_torch_sees_one_else_the_cpu():
    import torch

    assert resolve_device("auto") == ("cuda:0" if torch.cuda.is_available() else "cpu")
    assert resolve_device(" CPU ") == "cpu"


def test_cuda_must_be_there():
    import torch

    if torch.cuda.is_available():
        assert resolve_device("cuda") == "cuda:0"
        with pytest.raises(DeviceError, match="CUDA GPU\\(s\\) are visible"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")
    else:
        with pytest.raises(DeviceError, match="device cuda:0 was asked for, but torch sees no"):
            resolve_device("cuda:0")


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x", "mps", ""])
def test_other_devices_are_refused_with_one_line(device):
    with pytest.raises(DeviceError, match="use auto, cpu, cuda or cuda:N") as raised:
        resolve_device(device)
    assert "\n" not in str(raised.value)
