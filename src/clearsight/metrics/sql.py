"""A metric's SQL in the dialect of a council's own database, so an analyst can audit or rerun it."""

from __future__ import annotations

import ibis
import ibis.config
import ibis.expr.types as ir

# Ibis names its compilers after backends: T-SQL is the mssql compiler, Spark SQL the pyspark one.
DIALECTS: dict[str, str] = {"duckdb": "duckdb", "postgres": "postgres", "tsql": "mssql", "spark": "pyspark"}


class _SparkSqlOptions(ibis.config.Config):
    """Ibis's pyspark compiler reads these options, which are only registered when pyspark is installed."""

    treat_nan_as_null: bool = False


def metric_sql(expr: ir.Table, dialect: str) -> str:
    """Compile `expr` to SQL for `dialect` (duckdb, postgres, tsql or spark) without connecting to it."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    if dialect == "spark" and ibis.options.pyspark is None:
        ibis.options.pyspark = _SparkSqlOptions()
    return str(ibis.to_sql(expr, dialect=DIALECTS[dialect]))
