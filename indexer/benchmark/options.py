"""What a benchmark run does: the synthetic mural, the detector and runtime, the comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

OVERLAP = 0.5  # half-overlap windows, ours and SAHI's alike
IOU_MATCH = 0.5
GIGAPIXEL = (40_000, 25_000)
SAHI_POSTPROCESS = ("GREEDYNMM", "IOS", 0.5)  # get_sliced_prediction's defaults, forced
RSS_TARGET_MB = 1500
SPEEDUP_TARGET = 2.0


class BenchmarkError(ValueError):
    """Unusable benchmark input (weights, sizes); the message is one readable line."""


@dataclass(frozen=True)
class BenchOptions:
    """One benchmark run. width/height/seed/scale decide the synthetic mural (scale is the
    generator's: element sizes); the detector sees windows of `tile` mural pixels."""

    weights: str
    runtime: str = "torch"
    tile: int = 640
    # detector pixels per mural pixel: windows of tile / detector_scale mural pixels are seen
    # at `tile` px, by our indexer and by SAHI alike (the detector card's geometry)
    detector_scale: float = 1.0
    width: int = 8192
    height: int = 8192
    seed: int = 1
    scale: float = 1.0
    conf: float = 0.25
    detector_batch: int = 1
    index_batch: int = 8
    max_det: int = 300
    export_dir: str | None = None
    embedder: str = "efficientnet-lite0"
    sahi: bool = True
    sahi_skip_reason: str = "--no-sahi"
    end_to_end: bool = True
    tiff: bool = False
    cache_root: str | None = None
    progress: bool = True
    # Experiments on our side only, for levers the indexer does not pull yet: None keeps its
    # behaviour (OpenVINO in f32; the torch threads ultralytics sets, cpu_count - 1).
    openvino_precision: str | None = None
    torch_threads: int | None = None

    @classmethod
    def gigapixel(cls, **kwargs: Any) -> BenchOptions:
        """40,000 x 25,000 BigTIFF, our detection only (SAHI would decode 3 GB of pixels)."""
        width, height = GIGAPIXEL
        return cls(
            width=width,
            height=height,
            tiff=True,
            sahi=False,
            sahi_skip_reason="decodes the whole image",
            end_to_end=False,
            **kwargs,
        )

    @property
    def window(self) -> int:
        """The side of a window in mural pixels."""
        return max(1, round(self.tile / self.detector_scale))

    def detector_spec(self) -> dict[str, Any]:
        """Detector kwargs for our side: on the CPU, at the tile size, batch and conf asked."""
        return {
            "weights": self.weights,
            "runtime": self.runtime,
            "device": "cpu",
            "imgsz": self.tile,
            "conf": self.conf,
            "batch_size": self.detector_batch,
            "cache_dir": self.export_dir,
            "max_det": self.max_det,
        }


def check_options(options: BenchOptions) -> None:
    """BenchmarkError for options that cannot run, before anything is generated or timed."""
    if options.runtime not in ("torch", "openvino", "onnx"):
        raise BenchmarkError(f"unknown runtime {options.runtime!r}; use torch, openvino or onnx")
    _check_sizes(options)
    if not 0 <= options.conf <= 1:
        raise BenchmarkError(f"conf must be between 0 and 1, not {options.conf}")
    if options.detector_batch < 1 or options.index_batch < 1:
        raise BenchmarkError("batch sizes must be positive")
    if options.openvino_precision not in (None, "f32", "bf16", "f16"):
        raise BenchmarkError(f"unknown OpenVINO precision {options.openvino_precision!r}")
    if options.torch_threads is not None and options.torch_threads < 1:
        raise BenchmarkError("--torch-threads must be positive")
    if not Path(options.weights).expanduser().is_file():
        raise BenchmarkError(f"detector weights not found: {options.weights}")


def _check_sizes(options: BenchOptions) -> None:
    if options.tile < 32 or options.tile % 32:
        raise BenchmarkError(f"--tile must be a positive multiple of 32, not {options.tile}")
    if not 0.05 <= options.detector_scale <= 4:
        raise BenchmarkError(
            f"--detector-scale must be between 0.05 and 4, not {options.detector_scale:g}"
        )
    if min(options.width, options.height) < options.window:
        raise BenchmarkError(
            f"--size {options.width}x{options.height} is smaller than one {options.window} px "
            f"window"
        )
    if max(options.width, options.height) > 65_500 or options.width * options.height > 2**31:
        raise BenchmarkError(f"--size {options.width}x{options.height} is too large")
    if not 0.05 <= options.scale <= 20:
        raise BenchmarkError(f"--scale must be between 0.05 and 20, not {options.scale:g}")
