"""Engines that run the pipeline's batches: in-process (pipeline.LocalRunner) or on Ray.

Ray fans tile batches and crop batches out to workers; results come back to the driver, which
checkpoints them and writes elements once, centrally.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .merging import Detection
from .pipeline import IndexConfig, LocalRunner, detect_tile_batch, embed_crop_batch
from .tiling import Tile

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_WORKER_MODELS: dict[str, object] = {}  # per worker process: built once, reused by every task


def _cached(key: str, build):
    if key not in _WORKER_MODELS:
        _WORKER_MODELS[key] = build()
    return _WORKER_MODELS[key]


def detect_remote_batch(
    pyramid_path: str, tiles: list[dict], detector_spec: dict, config: dict
) -> list[tuple[int, list[Detection]]]:
    """One tile batch on a worker (the detector is loaded once per worker)."""
    from .detection import Detector
    from .imagery import Pyramid

    detector = _cached(
        "detector:" + json.dumps(detector_spec, sort_keys=True, default=str),
        lambda: Detector(**detector_spec),
    )
    pyramid = _cached(f"pyramid:{pyramid_path}", lambda: Pyramid(pyramid_path))
    return detect_tile_batch(pyramid, [Tile(**t) for t in tiles], detector, IndexConfig(**config))


def embed_remote_batch(
    pyramid_path: str, boxes: list[tuple], embedder_spec: str, device: str, config: dict
) -> np.ndarray:
    from .embedding import load_embedder
    from .imagery import Pyramid

    embedder = _cached(
        f"embedder:{embedder_spec}:{device}", lambda: load_embedder(embedder_spec, device=device)
    )
    pyramid = _cached(f"pyramid:{pyramid_path}", lambda: Pyramid(pyramid_path))
    dets = [Detection(*box) for box in boxes]
    return embed_crop_batch(pyramid, dets, embedder, IndexConfig(**config))


class RayRunner:
    """Runs batches as Ray tasks on a local cluster (default) or the cluster at `address`.

    On a cluster, every node must see the same weights file and var/ (shared storage), and
    the project is shipped to the workers as Ray's working_dir.
    """

    def __init__(
        self,
        detector_spec: dict,
        embedder_spec: str,
        address: str | None = None,
        device: str = "cpu",
        num_cpus: int | None = None,
    ):
        import ray

        self.detector_spec, self.embedder_spec = detector_spec, embedder_spec
        self.device = device
        self._owns_cluster = not ray.is_initialized()
        if self._owns_cluster:
            if address:
                runtime_env = {
                    "working_dir": str(PROJECT_ROOT),
                    "excludes": ["var/", ".venv/", ".git/", "static/", "runs/"],
                }
            else:
                runtime_env = {"env_vars": {"PYTHONPATH": str(PROJECT_ROOT)}}
            ray.init(
                address=address,
                num_cpus=None if address else (num_cpus or os.cpu_count()),
                object_store_memory=None if address else 256 * 1024**2,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                runtime_env=runtime_env,
            )
        gpus = 1 if str(device).startswith("cuda") else 0
        self._detect = ray.remote(num_cpus=1, num_gpus=gpus)(detect_remote_batch)
        self._embed = ray.remote(num_cpus=1, num_gpus=gpus)(embed_remote_batch)
        self._ray = ray

    def detect(
        self, pyramid_path: str, tile_batches: Sequence[Sequence[Tile]], config: IndexConfig
    ) -> Iterator[list[tuple[int, list[Detection]]]]:
        """Yields each batch's results as soon as it finishes (any order)."""
        ray = self._ray
        spec = {**self.detector_spec, "device": self.device}
        pending = [
            self._detect.remote(pyramid_path, [asdict(t) for t in batch], spec, asdict(config))
            for batch in tile_batches
        ]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])

    def embed(
        self, pyramid_path: str, det_batches: Sequence[Sequence[Detection]], config: IndexConfig
    ) -> Iterator[np.ndarray]:
        """Yields each crop batch's vectors in submission order."""
        refs = [
            self._embed.remote(
                pyramid_path,
                [(d.x1, d.y1, d.x2, d.y2, d.score, d.label, d.cut) for d in batch],
                self.embedder_spec,
                self.device,
                asdict(config),
            )
            for batch in det_batches
        ]
        for ref in refs:
            yield self._ray.get(ref)

    def close(self) -> None:
        if self._owns_cluster and self._ray.is_initialized():
            self._ray.shutdown()


__all__ = ["LocalRunner", "RayRunner"]
