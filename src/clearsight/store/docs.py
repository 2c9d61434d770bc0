"""The data model as documentation, written from the declarations so it cannot drift from the code."""

from __future__ import annotations

from clearsight.canonical import schema


def data_model_markdown() -> str:
    """Markdown describing every canonical table: its purpose, key, references and columns."""
    lines = [
        "# The canonical data model",
        "",
        "Generated from `src/clearsight/canonical/schema.py` by `clearsight schema` (a test fails if this file and",
        "the code disagree). Every stored row also carries `snapshot_id`, `source_file` and `source_row`.",
        "A CSV extract has one file per table, named after it, with these columns as its header; dates as",
        "`YYYY-MM-DD`, `dd/mm/yyyy` or Excel serial numbers; booleans as Y/N; an empty cell for no value.",
        "Each table that runs over time says which day its end date names (an empty end: still going):",
        "*the day after* (the day it stopped applying: current on day D when `start_date <= D < end`; the next",
        "record starts on that day) or *the last day* (current when `start_date <= D <= end`; a worker's last day",
        "of service, as the workforce census records a leaving date). Either way an ending counts in the period",
        "holding the end date: a leaver in the period of their last day, a case closure in that of its closing.",
        "Readers of other formats convert to these.",
        "",
        f"Schema version {schema.SCHEMA_VERSION}.",
        "",
    ]
    for table in schema.TABLES:
        lines += [f"## `{table.name}`", "", table.doc, ""]
        if table.key:
            lines.append(f"- Key: {', '.join(f'`{k}`' for k in table.key)}")
        if table.references:
            refs = ", ".join(f"`{c}` → `{t}`" for c, t in table.references.items())
            lines.append(f"- References: {refs}")
        if table.date_order:
            order = ", ".join(f"`{a}` ≤ `{b}`" for a, b in table.date_order)
            lines.append(f"- Date order: {order}")
        if table.end_column is not None:
            end = table.end_column
            lines.append(f"- Ends: `{end.name}` is {schema.ENDS_DOC[end.ends or 'day_after']}")
        if table.no_overlap:
            lines.append(f"- Rows for one {' + '.join(table.no_overlap)} must not overlap in time")
        lines += ["", "| column | type | required | meaning | allowed values |", "|---|---|---|---|---|"]
        for c in table.columns:
            allowed = ", ".join(c.codes) if c.codes else ""
            if c.minimum is not None or c.maximum is not None:
                allowed = f"{c.minimum} to {c.maximum}"
            if c.type == "date" and c.future_ok:
                allowed = "may be after the extract date"
            lines.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {c.doc} | {allowed} |")
        lines.append("")
    return "\n".join(lines)
