"""The manifest of a canonical extract: which council, as at which date, which files.

A canonical extract is a directory holding `manifest.json` and one file per canonical table, named after the
table (`child.csv` or `child.parquet`), with the table's columns as header. CSV conventions: ISO dates
(dd/mm/yyyy and Excel serial numbers are also read), booleans as Y/N, empty cell = no value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MANIFEST_NAME = "manifest.json"
FORMAT_NAME = "clearsight-canonical"
MANIFEST_VERSIONS = (1,)  # the manifest layouts this release reads; a later one is refused, not guessed at


class ManifestError(ValueError):
    """The extract's manifest is missing or malformed."""


@dataclass(frozen=True)
class TableFile:
    table: str
    file: str
    rows: int | None = None


@dataclass(frozen=True)
class Manifest:
    council: str
    extract_date: date
    tables: dict[str, TableFile]
    schema_version: int = 1
    created_by: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT_NAME,
                "schema_version": self.schema_version,
                "council": self.council,
                "extract_date": self.extract_date.isoformat(),
                "created_by": self.created_by,
                "tables": {
                    name: {"file": tf.file, **({"rows": tf.rows} if tf.rows is not None else {})}
                    for name, tf in self.tables.items()
                },
                **self.extra,
            },
            indent=2,
        )

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path


def read_manifest(directory: Path) -> Manifest:
    """Read and check `directory/manifest.json`, naming the file and field in any error."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest.json in the extract directory")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    for key in ("council", "extract_date", "tables"):
        if key not in data:
            raise ManifestError(f"{path}: field '{key}' is required")
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise ManifestError(f"{path}: field 'format' = {str(data['format'])[:40]!r}, expected {FORMAT_NAME!r}")
    version = data.get("schema_version", 1)
    if isinstance(version, bool) or version not in MANIFEST_VERSIONS:
        readable = ", ".join(map(str, MANIFEST_VERSIONS))
        raise ManifestError(f"{path}: field 'schema_version' = {str(version)[:20]!r} is not a manifest version "
                            f"this release reads ({readable}): update Clearsight, or write the extract again")
    if not isinstance(data["council"], str) or not data["council"].strip():
        raise ManifestError(f"{path}: field 'council' must be the council's name")
    try:
        extract_date = date.fromisoformat(str(data["extract_date"]))
    except ValueError as exc:
        raise ManifestError(
            f"{path}: field 'extract_date' = {str(data['extract_date'])[:40]!r}, expected an ISO date YYYY-MM-DD"
        ) from exc
    tables_raw = data["tables"]
    if not isinstance(tables_raw, dict):
        raise ManifestError(f"{path}: field 'tables' must map table name to {{'file': ...}}")
    tables = {}
    for name, spec in tables_raw.items():
        file = spec.get("file") if isinstance(spec, dict) else spec
        if not isinstance(file, str):
            raise ManifestError(f"{path}: tables.{name}.file must be a file name")
        rows = spec.get("rows") if isinstance(spec, dict) else None
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
            raise ManifestError(f"{path}: tables.{name}.rows = {str(rows)[:20]!r}, expected a whole number")
        tables[name] = TableFile(name, file, rows)
    known = {"format", "schema_version", "council", "extract_date", "created_by", "tables"}
    return Manifest(
        council=str(data["council"]),
        extract_date=extract_date,
        tables=tables,
        schema_version=version,
        created_by=str(data.get("created_by", "")),
        extra={k: v for k, v in data.items() if k not in known},
    )
