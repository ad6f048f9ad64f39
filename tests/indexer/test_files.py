"""Files and folders written whole or not at all, and their sha256."""

from __future__ import annotations

import hashlib

import pytest

from indexer.files import atomic_folder, atomic_write, file_sha256


def test_it_hashes_a_file_as_hashlib_does(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"mural" * 100_000)
    assert file_sha256(path) == hashlib.sha256(b"mural" * 100_000).hexdigest()


def test_a_written_file_appears_whole_under_its_name_with_no_sibling_left(tmp_path):
    target = tmp_path / "sub" / "index.npy"
    with atomic_write(target) as staged:
        assert staged.parent == target.parent and staged.suffix == ".npy"
        assert staged.name.startswith(".") and not target.exists()
        staged.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert [p.name for p in target.parent.iterdir()] == ["index.npy"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "card.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_write(target) as staged:
            staged.write_text("half")
            raise RuntimeError("disk on fire")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def test_a_folder_appears_whole_and_a_failed_one_leaves_nothing(tmp_path):
    target = tmp_path / "dataset"
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as staging:
            (staging / "half.txt").write_text("x")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with atomic_folder(target) as staging:
        (staging / "labels").mkdir()
        (staging / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    assert (target / "labels" / "a.txt").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]


def test_a_folder_replaces_an_existing_one_only_when_asked(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(OSError):
        with atomic_folder(target) as staging:
            (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    with atomic_folder(target, replace=True) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_a_folder_finished_first_by_another_writer_is_kept(tmp_path):
    target = tmp_path / "onnx-320-b8"
    with atomic_folder(target, keep_existing=True) as staging:
        (staging / "model.onnx").write_text("ours")
        target.mkdir()
        (target / "model.onnx").write_text("theirs")
    assert (target / "model.onnx").read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["onnx-320-b8"]
