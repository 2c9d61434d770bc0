"""Write or load only some tables of a CouncilBuilder council: fewer files, faster loads for tests that
load many times (property tests, broken-extract tests). Tables left out are simply not in the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import backends
from council_builder import CouncilBuilder, Loaded

from clearsight.canonical.manifest import MANIFEST_NAME
from clearsight.store.database import connect
from clearsight.store.load import load_extract
from clearsight.store.snapshots import get_snapshot

CASE_TABLES = ("team", "worker", "worker_post", "child", "episode", "allocation", "cp_plan", "cla_episode")


def write_tables(builder: CouncilBuilder, directory: Path, tables: tuple[str, ...] = CASE_TABLES) -> Path:
    """builder.write(directory), keeping only `tables` (files and manifest entries)."""
    builder.write(directory)
    manifest_path = directory / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, spec in list(manifest["tables"].items()):
        if name not in tables:
            (directory / spec["file"]).unlink()
            del manifest["tables"][name]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return directory


def load_tables(builder: CouncilBuilder, tmp: Path, tables: tuple[str, ...] = CASE_TABLES) -> Loaded:
    extract = write_tables(builder, tmp / "extract", tables)
    location = backends.current(tmp).location(tmp)
    con = connect(location)
    report = load_extract(con, extract)
    assert report.status == "loaded", "\n".join(str(p) for p in report.problems)
    return Loaded(con, get_snapshot(con), report, location)
