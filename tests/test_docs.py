"""Documentation that cannot drift: the committed data-model page equals what the code declares."""

from __future__ import annotations

from pathlib import Path

from clearsight.store.docs import data_model_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_data_model_page_matches_the_schema():
    committed = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert committed == data_model_markdown() + "\n", "run: clearsight schema > docs/data-model.md"


def test_every_setting_is_documented():
    from clearsight.config import CouncilConfig

    def undocumented(model, prefix=""):
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                yield from undocumented(annotation, f"{prefix}{name}.")
            elif not field.description:
                yield prefix + name

    assert list(undocumented(CouncilConfig)) == []


def test_every_end_date_says_which_day_it_names():
    """Each table whose records run over time declares whether its end date is the last day or the day after
    (issue 13 item 3); only a worker's last day of service and an absence's last day are last days."""
    from clearsight.canonical import schema

    ends = {t.name: t.end_column.ends for t in schema.TABLES if t.end_column is not None}
    unmarked = [f"{t.name}.{c.name}" for t in schema.TABLES for c in t.columns
                if c.name in ("end_date", "close_date") and not c.ends]
    assert unmarked == []
    assert {name for name, end in ends.items() if end == "last_day"} == {"worker", "absence"}
