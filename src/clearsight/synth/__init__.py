"""The synthetic council Eastmere, generated deterministically from a seed at any scale.

`generate_council(out_dir, seed, scale)` simulates six years of a children's social care service (referrals,
allocation within capacity, leavers and recruitment, the 2023 restructure and the crises its cuts set off, the 2024
inspection and recovery) and writes a canonical extract: one CSV per table of `clearsight.canonical.schema` plus manifest.json.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np

from clearsight.canonical.manifest import Manifest, TableFile
from clearsight.canonical import schema
from clearsight.synth.council import build_structure
from clearsight.synth.extract import build_tables
from clearsight.synth.improvement_plan import write_plan
from clearsight.synth.registers import write_registers
from clearsight.synth.scenario import Scenario
from clearsight.synth.timeline import CouncilRun
from clearsight.synth.workdays import Calendar, day
from clearsight.synth.workforce import Workforce
from clearsight.synth.writer import write_table

__all__ = ["Scenario", "generate_council"]

TEAMS_START = date(2014, 4, 1)


def generate_council(
    out_dir: Path,
    seed: int = 1,
    scale: float = 1.0,
    parquet: bool = False,
    progress: Callable[[str, float], None] | None = None,
    scenario: Scenario | None = None,
) -> Manifest:
    """Simulate Eastmere and write the extract to `out_dir`; same seed and scale give identical files."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    sc = scenario or Scenario()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    cal = Calendar(date(1985, 1, 1), date(sc.extract_date.year + 3, 12, 31))
    structure = build_structure(scale, day(TEAMS_START), rng, sc)
    workforce = Workforce(sc, structure, rng, day(sc.sim_start))
    run = CouncilRun(sc, scale, structure, workforce, cal, rng, progress)
    run.run()
    if progress:
        progress("simulate", 1.0)
        progress("derive", 0.0)
    tables = build_tables(run)
    if progress:
        progress("derive", 1.0)
    files = {}
    for i, t in enumerate(schema.TABLES):
        rows = write_table(out_dir, t.name, tables[t.name], parquet)
        files[t.name] = TableFile(t.name, f"{t.name}.csv", rows)
        if progress:
            progress("write", (i + 1) / len(schema.TABLES))
    manifest = Manifest(
        council=sc.council,
        extract_date=sc.extract_date,
        tables=files,
        created_by=f"clearsight synth --seed {seed} --scale {scale:g}",
    )
    manifest.write(out_dir)
    write_registers(out_dir, sc, structure)  # the story's staff concerns, scrutiny request and restructure
    write_plan(out_dir, sc)  # the recovery plan the council drew up once the backlog was counted
    return manifest
