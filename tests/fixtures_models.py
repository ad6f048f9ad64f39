"""Model fixtures: the tiny trained detector, and a guard that proves nothing reaches the network.

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


@pytest.fixture(scope="session")
def tiny_detector_weights() -> Path:
    """A real YOLOv8n checkpoint (detect; classes = the five category slugs), cached per recipe.

    Trained from scratch on synthetic tiles (about a minute on two CPU cores) on first use, then
    read from ~/.cache/dunhuang-search/test-detectors/<recipe hash>/best.pt. Its boxes are poor:
    use conf=0.001 (and a max_det cap) where a test needs boxes.
    """
    from tests.indexer.tiny_detector import tiny_detector_weights as trained

    with network_refused() as attempts:
        weights = trained()
    assert attempts == [], f"training tried to reach the network: {attempts}"
    return weights


@pytest.fixture(scope="session")
def detector_export_cache(tmp_path_factory) -> Path:
    """One OpenVINO/ONNX export cache for the session, so each runtime is exported once."""
    return tmp_path_factory.mktemp("detector-exports")
