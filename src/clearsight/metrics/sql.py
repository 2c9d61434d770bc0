"""A metric's SQL: in the dialect of a council's own database (so an analyst can audit or rerun it), and with its
scope values as named parameters (so it compiles once and the engine binds the values at each run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from clearsight.metrics.lazy import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

# Ibis names its compilers after backends: T-SQL is the mssql compiler, Spark SQL the pyspark one.
DIALECTS: dict[str, str] = {"duckdb": "duckdb", "postgres": "postgres", "tsql": "mssql", "spark": "pyspark"}


def _compiler(dialect: str) -> Any:
    import ibis.backends.sql.compilers as compilers
    import ibis.config

    class SparkSqlOptions(ibis.config.Config):
        """Ibis's pyspark compiler reads these options, which are only registered when pyspark is installed."""

        treat_nan_as_null: bool = False

    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    if dialect == "spark" and ibis.options.pyspark is None:
        ibis.options.pyspark = SparkSqlOptions()
    return getattr(compilers, DIALECTS[dialect]).compiler


def metric_sql(expr: ir.Table, dialect: str) -> str:
    """Compile `expr` to SQL for `dialect` (duckdb, postgres, tsql or spark) without connecting to it."""
    _compiler(dialect)
    return str(ibis.to_sql(expr, dialect=DIALECTS[dialect]))


@dataclass(frozen=True)
class Parameter:
    """A scope value compiled as a stand-in no real data holds, then swapped for a named parameter."""

    name: str
    stand_in: int | str | date
    sql_type: str  # the parameter is cast to it, so its type never depends on the value bound


@dataclass(frozen=True)
class ParameterisedSql:
    """SQL whose scope values are named parameters (`$snapshot_id`, `$as_at`, ...) bound by the engine at
    execution: never spliced into the text, so any value (a council called O'Brien) is safe."""

    sql: str
    parameters: tuple[str, ...]  # the names the SQL uses
    types: tuple[tuple[str, str], ...] = ()  # each column's Ibis type: how a back end's rows are typed

    def arrow_schema(self) -> pa.Schema | None:
        """The columns' Arrow types as Ibis declared them (None when the SQL came without them)."""
        return _arrow_schema(self.types) if self.types else None

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values of the parameters this SQL uses (DuckDB rejects values for parameters it lacks)."""
        missing = [p for p in self.parameters if p not in values]
        if missing:
            raise ValueError(f"no value for parameter(s) {', '.join(missing)}")
        return {p: values[p] for p in self.parameters}


@lru_cache(maxsize=1024)
def _arrow_schema(types: tuple[tuple[str, str], ...]) -> pa.Schema:
    return ibis.schema(dict(types)).to_pyarrow()


def parameterise(expr: ir.Table, parameters: tuple[Parameter, ...], dialect: str = "duckdb") -> ParameterisedSql:
    """Compile `expr` (built with each parameter's stand-in value) and replace, in the SQL syntax tree, every
    literal equal to a stand-in by the cast named parameter: `$name` for DuckDB, psycopg's `%(name)s` for
    PostgreSQL (every other % then doubled, as psycopg reads it). Fails if a stand-in survives in a form not
    recognised (it would be compared as a stand-in at run time)."""
    from sqlglot import exp

    compiler = _compiler(dialect)
    stand_ins: dict[exp.Expression, Parameter] = {}
    for p in parameters:
        literal = compiler.to_sqlglot(ibis.literal(p.stand_in).name("v").as_table()).expressions[0].this
        stand_ins[literal] = p
    kinds = tuple({type(k) for k in stand_ins})
    used: dict[str, None] = {}

    def swap_within(node: exp.Expression) -> None:
        # Walks every parent's own arguments: Ibis shares one node object between several parents, which
        # sqlglot's transform (following a single parent link) would replace under only one of them, and
        # gives some arguments as tuples (window partitions, orderings), which sqlglot's walks skip.
        for key, value in list(node.args.items()):
            if isinstance(value, tuple):
                value = list(value)
                node.set(key, value)
            for i, child in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(child, exp.Expression):
                    continue
                p = stand_ins.get(child) if isinstance(child, kinds) else None
                if p is None:
                    swap_within(child)
                    continue
                used[p.name] = None
                placeholder = exp.Var(this=_mark(p.name)) if dialect == "postgres" else exp.Placeholder(this=p.name)
                node.set(key, exp.cast(placeholder, p.sql_type), index=i if isinstance(value, list) else None)

    tree = compiler.to_sqlglot(expr.unbind())
    swap_within(tree)
    sql = tree.sql(dialect=compiler.dialect, pretty=True)
    for literal, p in stand_ins.items():
        if str(p.stand_in) in sql or literal.sql(dialect=compiler.dialect) in sql:
            raise AssertionError(f"stand-in for ${p.name} ({p.stand_in}) left in the SQL")
    if dialect == "postgres":
        sql = sql.replace("%", "%%")
        for name in used:
            sql = sql.replace(_mark(name), f"%({name})s")
    types = tuple((name, str(dtype)) for name, dtype in expr.schema().items())
    return ParameterisedSql(sql, tuple(used), types)


def _mark(name: str) -> str:
    return f"__clearsight_parameter_{name}__"
