"""The per-user cache: where it lives, atomic writes, and entries that cannot be trusted are ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearsight.store import cache

KEY = {"metric": "unallocated_cases", "version": "1"}


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_dir_is_the_override_else_xdg_else_home(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "clearsight"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "clearsight"


def test_an_entry_round_trips_and_leaves_no_temporary_file(cache_home):
    assert cache.read_json("sql", KEY) is None
    assert cache.write_json("sql", KEY, {"sql": "SELECT 1"})
    assert cache.read_json("sql", KEY) == {"sql": "SELECT 1"}
    assert cache.read_json("sql", {**KEY, "version": "2"}) is None
    assert [p.suffix for p in (cache_home / "sql").iterdir()] == [".json"]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"key": {"metric": "other"}, "value": {}}', b"[1, 2]",
                                     b'{"key": {"metric": "unallocated_cases", "version": "1"}, "value": 3}'])
def test_a_corrupt_or_foreign_entry_is_ignored(cache_home, content):
    cache.write_json("sql", KEY, {"sql": "SELECT 1"})
    (entry,) = (cache_home / "sql").iterdir()
    entry.write_bytes(content)
    assert cache.read_json("sql", KEY) is None


def test_bytes_entries_reject_truncated_or_foreign_files(cache_home):
    assert cache.write_bytes("calendar", "k", b"payload")
    assert cache.read_bytes("calendar", "k") == b"payload"
    (entry,) = (cache_home / "calendar").iterdir()
    entry.write_bytes(entry.read_bytes()[:20])
    assert cache.read_bytes("calendar", "k") is None


def test_an_unwritable_cache_keeps_nothing_and_does_not_fail(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker))
    assert cache.write_json("sql", KEY, {"sql": "SELECT 1"}) is False
    assert cache.read_json("sql", KEY) is None
