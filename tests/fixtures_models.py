"""Model fixtures: the committed demo detector, and a guard that nothing reaches the network.

ultralytics is told to stay offline before anything here imports it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["YOLO_OFFLINE"] = "1"
os.environ["YOLO_AUTOINSTALL"] = "false"

LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}
FETCHING_PROGRAMS = {"pip", "pip3", "uv", "curl", "wget"}


@contextlib.contextmanager
def network_refused() -> Iterator[list[str]]:
    """Refuse (and record) every Internet connection, DNS lookup, download, or pip/uv/curl run."""
    attempts: list[str] = []

    def refuse(what: str) -> OSError:
        attempts.append(what)
        return OSError(f"network access refused in tests: {what}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_popen_init = socket.getaddrinfo, subprocess.Popen.__init__

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOCAL_HOSTS:
            raise refuse(f"connect {address!r}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOCAL_HOSTS:
            raise refuse(f"connect_ex {address!r}")
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS:
            raise refuse(f"getaddrinfo {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def popen_init(self, args, *rest, **kwargs):
        words = [os.fsdecode(word) for word in ([args] if isinstance(args, (str, bytes)) else args)]
        if {Path(word).name for word in words} & FETCHING_PROGRAMS:
            raise refuse(f"subprocess {' '.join(words)}")
        return real_popen_init(self, args, *rest, **kwargs)

    def download(*args, **kwargs):
        raise refuse(f"ultralytics download {args!r} {kwargs!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(subprocess.Popen, "__init__", popen_init)
        import ultralytics.utils.downloads as downloads

        patch.setattr(downloads, "safe_download", download)
        yield attempts


@pytest.fixture
def no_network() -> Iterator[list[str]]:
    """The list of refused network attempts; the test fails if it is not empty at the end."""
    with network_refused() as attempts:
        yield attempts
    assert attempts == [], f"code tried to reach the network: {attempts}"


DEMO_DETECTOR = Path(__file__).resolve().parents[1] / "fixtures/detector/dunhuang-yolov8n.pt"


@pytest.fixture(scope="session")
def demo_detector_weights() -> Path:
    """The committed demo detector (YOLOv8n trained on synthetic murals; classes = the five
    category slugs; 640 px tiles at scale 0.5, as its .json card says).

    A real trained model, the same on every machine: tests that need confident boxes use it
    rather than a model trained during the run, whose few steps from scratch find boxes or not
    depending on the machine's floating-point path.
    """
    assert DEMO_DETECTOR.is_file(), f"{DEMO_DETECTOR} is missing from the checkout"
    return DEMO_DETECTOR


@pytest.fixture(scope="session")
def detector_export_cache(tmp_path_factory) -> Path:
    """One OpenVINO/ONNX export cache for the session, so each runtime is exported once."""
    return tmp_path_factory.mktemp("detector-exports")
