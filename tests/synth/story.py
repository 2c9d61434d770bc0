"""The story figures, computed from an extract's CSVs with plain DuckDB SQL (independent of clearsight.metrics)."""

from __future__ import annotations

from pathlib import Path

import duckdb

PRACTITIONER = "('social_worker', 'asye', 'senior_practitioner')"


def connect(extract: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in ("team", "worker", "worker_post", "episode", "allocation", "visit", "assessment", "cp_plan", "cla_episode"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{extract / (name + '.csv')}', header=true, "
                    "all_varchar=false, sample_size=-1)")
    return con


def _current(alias: str, d: str, start: str = "start_date", end: str = "end_date") -> str:
    return f"({alias}.{start} <= DATE '{d}' AND ({alias}.{end} IS NULL OR {alias}.{end} > DATE '{d}'))"


def unallocated(con: duckdb.DuckDBPyConnection, d: str) -> tuple[int, int, int]:
    """(total, awaiting re-allocation, new work) unallocated open cases on date d."""
    sql = f"""
    WITH open AS (
        SELECT * FROM episode e WHERE {_current('e', d, 'referral_date', 'close_date')}
          AND coalesce(e.referral_nfa, 'N') <> 'Y'),
    prac AS (SELECT worker_id FROM worker_post p WHERE {_current('p', d)} AND p.role IN {PRACTITIONER}),
    alloc AS (
        SELECT DISTINCT a.child_id FROM allocation a JOIN prac USING (worker_id)
        WHERE a.role = 'allocated_social_worker' AND {_current('a', d)}),
    un AS (SELECT o.* FROM open o WHERE o.child_id NOT IN (SELECT child_id FROM alloc)),
    had AS (
        SELECT DISTINCT a.episode_id FROM allocation a
        JOIN worker_post p ON p.worker_id = a.worker_id AND p.role IN {PRACTITIONER}
             AND p.start_date <= a.start_date AND (p.end_date IS NULL OR p.end_date > a.start_date)
        WHERE a.role = 'allocated_social_worker' AND a.end_date IS NOT NULL AND a.end_date <= DATE '{d}')
    SELECT count(*), count(*) FILTER (WHERE episode_id IN (SELECT episode_id FROM had)) FROM un
    """
    total, re = con.execute(sql).fetchone()
    return int(total), int(re), int(total - re)


def caseloads(con: duckdb.DuckDBPyConnection, d: str, team_names: tuple[str, ...] | None = None) -> float:
    """Average children per practitioner in post holding at least one case (DfE method), optionally by team."""
    team_filter = ""
    if team_names:
        names = ", ".join("'" + n.replace("'", "''") + "'" for n in team_names)
        team_filter = f"AND p.team_id IN (SELECT team_id FROM team WHERE name IN ({names}))"
    sql = f"""
    WITH prac AS (SELECT worker_id FROM worker_post p WHERE {_current('p', d)} AND p.role IN {PRACTITIONER}
                  {team_filter}),
    held AS (SELECT a.worker_id, count(DISTINCT a.child_id) AS n FROM allocation a JOIN prac USING (worker_id)
             WHERE a.role = 'allocated_social_worker' AND {_current('a', d)} GROUP BY 1)
    SELECT avg(n) FROM held
    """
    return float(con.execute(sql).fetchone()[0] or 0.0)


def cp_visit_timeliness(con: duckdb.DuckDBPyConnection, start: str, end: str) -> float:
    """Share of CP visits in [start, end) that came within 14 days of the previous CP visit to the child."""
    sql = f"""
    WITH v AS (SELECT child_id, visit_date,
                      lag(visit_date) OVER (PARTITION BY child_id ORDER BY visit_date) AS prev
               FROM visit WHERE kind = 'CP')
    SELECT avg(CASE WHEN visit_date - prev <= 14 THEN 1.0 ELSE 0.0 END) FROM v
    WHERE prev IS NOT NULL AND visit_date >= DATE '{start}' AND visit_date < DATE '{end}'
    """
    return float(con.execute(sql).fetchone()[0] or 0.0)


def overdue_assessments(con: duckdb.DuckDBPyConnection, d: str) -> int:
    """Open assessments on d started more than 63 days (about 45 working days) before."""
    sql = f"""SELECT count(*) FROM assessment a WHERE a.start_date <= DATE '{d}'
              AND (a.authorised_date IS NULL OR a.authorised_date > DATE '{d}')
              AND DATE '{d}' - a.start_date > 63"""
    return int(con.execute(sql).fetchone()[0])


def assessment_timeliness(con: duckdb.DuckDBPyConnection, year_start: str, year_end: str) -> float:
    sql = f"""SELECT avg(CASE WHEN authorised_date - start_date <= 63 THEN 1.0 ELSE 0.0 END) FROM assessment
              WHERE authorised_date >= DATE '{year_start}' AND authorised_date < DATE '{year_end}'"""
    return float(con.execute(sql).fetchone()[0] or 0.0)


SOCIAL_WORK = ("('social_worker', 'asye', 'senior_practitioner', 'team_manager', 'iro', 'service_manager', "
               "'head_of_service', 'director')")


def agency_share(con: duckdb.DuckDBPyConnection, d: str) -> float:
    """Agency FTE / all social-work FTE in post on d (DfE census roles; personal advisers excluded)."""
    sql = f"""SELECT sum(CASE WHEN w.employment = 'agency' THEN p.fte ELSE 0 END) / sum(p.fte)
              FROM worker_post p JOIN worker w USING (worker_id)
              WHERE p.role IN {SOCIAL_WORK} AND {_current('p', d)}"""
    return float(con.execute(sql).fetchone()[0] or 0.0)


def leavers(con: duckdb.DuckDBPyConnection, team_names: tuple[str, ...], start: str, end: str) -> int:
    """Workers whose employment ended in [start, end] from one of the named teams (their last post)."""
    names = ", ".join("'" + n.replace("'", "''") + "'" for n in team_names)
    sql = f"""SELECT count(*) FROM worker w
              JOIN worker_post p ON p.worker_id = w.worker_id AND p.end_date = w.end_date + 1
              JOIN team t ON t.team_id = p.team_id
              WHERE w.end_date BETWEEN DATE '{start}' AND DATE '{end}' AND t.name IN ({names})"""
    return int(con.execute(sql).fetchone()[0])


def depleted_teams(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    return ("North Child in Need Team", "South Child in Need Team")


def report(extract: Path) -> dict[str, object]:
    con = connect(extract)
    dep = depleted_teams(con)
    out: dict[str, object] = {}
    for d in ("2021-06-15", "2022-12-15", "2023-06-15", "2023-09-15", "2023-12-15", "2024-02-15", "2024-04-15",
              "2024-07-15", "2025-03-15"):
        out[f"unallocated {d}"] = unallocated(con, d)
        out[f"caseload {d}"] = round(caseloads(con, d), 1)
        out[f"depleted caseload {d}"] = round(caseloads(con, d, dep), 1)
        out[f"overdue assessments {d}"] = overdue_assessments(con, d)
    out["leavers from the depleted teams 2023-05..2023-12"] = leavers(con, dep, "2023-05-01", "2023-12-31")
    for d in ("2019-09-30", "2020-09-30", "2021-09-30", "2022-09-30", "2023-12-31", "2024-09-30"):
        out[f"agency share {d}"] = round(agency_share(con, d), 3)
    for a, b in (("2021-04-01", "2022-04-01"), ("2023-07-01", "2024-01-01"), ("2024-10-01", "2025-04-01")):
        out[f"cp visits {a}..{b}"] = round(cp_visit_timeliness(con, a, b), 3)
        out[f"assessments in time {a}..{b}"] = round(assessment_timeliness(con, a, b), 3)
    return out


if __name__ == "__main__":
    import sys

    for k, v in report(Path(sys.argv[1])).items():
        print(f"{k}: {v}")
