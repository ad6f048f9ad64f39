"""The partial-convolution U-Net: renormalised convolutions over valid pixels, mask updating,
shapes, gradients, its Telea starting point, and model files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from indexer.restoration.models import (
    DEFAULT_MODEL,
    card_path,
    file_sha256,
    load_model,
    save_model,
)
from indexer.restoration.pconv import (
    PartialConv2d,
    PConvConfig,
    PConvUNet,
    classical_prior,
    run_network,
)


def test_the_network_ignores_what_lies_under_the_mask():
    torch.manual_seed(0)
    net = PConvUNet().eval()
    with torch.no_grad():
        net.head.conv.weight.normal_(0, 0.05)  # not the zero start: the residual counts
    mask = torch.ones(1, 1, 64, 64)
    mask[..., 20:40, 10:30] = 0
    image, prior = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
    tampered = image * mask + (1 - mask) * torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(net(image, mask, prior), net(tampered, mask, prior))


def test_it_renormalises_by_the_valid_pixels_it_saw():
    layer = PartialConv2d(1, 1, 3)
    with torch.no_grad():
        layer.conv.weight.fill_(1.0)
    mask = torch.ones(1, 1, 5, 5)
    mask[..., :, :2] = 0  # the left two columns are lost
    y, _ = layer(torch.ones(1, 1, 5, 5) * mask, mask)
    # a constant image stays constant wherever the window saw anything: 9 * (seen / seen)
    assert torch.allclose(y[0, 0, 1:-1, 1:], torch.full((3, 4), 9.0))
    assert y[0, 0, 2, 0] == 0


def test_the_mask_updates_to_valid_wherever_the_window_saw_a_valid_pixel():
    layer = PartialConv2d(1, 1, 3)
    mask = torch.ones(1, 1, 9, 9)
    mask[..., 2:7, 2:7] = 0  # a 5 x 5 hole
    _, m = layer(torch.zeros(1, 1, 9, 9), mask)
    expected = torch.ones(9, 9)
    expected[3:6, 3:6] = 0  # shrinks by one pixel a side
    assert torch.equal(m[0, 0], expected)
    _, m = layer(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 9, 9))
    assert m.sum() == 0


def test_the_holes_close_as_they_go_down_the_encoder():
    net = PConvUNet()
    mask = torch.ones(1, 1, 128, 128)
    mask[..., 32:96, 32:96] = 0
    x, m = torch.zeros(1, 3, 128, 128), mask
    holes = []
    for layer in net.encoder:
        x, m = layer(x, m)
        holes.append(float(1 - m.mean()))
    assert holes[0] > 0 and holes[-1] == 0
    assert all(a >= b for a, b in zip(holes, holes[1:], strict=False))


def test_the_network_keeps_the_shape_and_every_weight_learns():
    torch.manual_seed(0)
    net = PConvUNet().train()
    image = torch.rand(2, 3, 128, 128) * 2 - 1
    mask = torch.ones(2, 1, 128, 128)
    mask[:, :, 40:80, 30:70] = 0
    out = net(image, mask, image)
    assert out.shape == image.shape
    out.abs().mean().backward()
    assert net.head.conv.weight.grad.abs().sum() > 0  # the zero-initialised head learns first
    with torch.no_grad():
        net.head.conv.weight.normal_(0, 0.01)
    net.zero_grad()
    net(image, mask, image).abs().mean().backward()
    silent = [n for n, p in net.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert not silent


def test_an_untrained_network_restores_as_its_telea_prior():
    from tests.indexer.restoration.conftest import disc_mask, textured_image

    image = textured_image(128, 128)
    lost = disc_mask(128, 128, [(64, 64)], 12)
    net = PConvUNet().eval()
    out = run_network(net, image, lost)
    assert np.abs(out.astype(int) - classical_prior(image, lost)).max() <= 1


def test_inputs_of_any_size_are_padded_and_cut_back():
    from tests.indexer.restoration.conftest import disc_mask, textured_image

    image = textured_image(70, 133)
    out = run_network(PConvUNet().eval(), image, disc_mask(70, 133, [(60, 30)], 6))
    assert out.shape == image.shape


def test_a_model_file_round_trips_with_its_sha256(tmp_path):
    torch.manual_seed(1)
    net = PConvUNet(PConvConfig(encoder=(8, 8, 8), kernels=(3, 3, 3), decoder=(8, 8)))
    path = tmp_path / "tiny.pt"
    sha = save_model(net, path)
    assert sha == file_sha256(path)
    loaded = load_model(path)
    for (k, a), (_, b) in zip(net.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), k


def test_the_committed_default_model_is_small_and_carded():
    if not DEFAULT_MODEL.is_file():
        pytest.fail(f"the committed default model {DEFAULT_MODEL} is missing")
    assert DEFAULT_MODEL.stat().st_size < 20 * 2**20
    card = json.loads(card_path(DEFAULT_MODEL).read_text(encoding="utf-8"))
    assert card["sha256"] == file_sha256(DEFAULT_MODEL)
    assert card["data"]["kind"] == "synthetic"  # never trained on the unlicensed walls
    assert card["command"].startswith("python -m indexer.restoration train --synthetic")
    assert card["metrics"]["crops"] > 0
    load_model(DEFAULT_MODEL)
