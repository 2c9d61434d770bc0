"""Write a snapshot as Standard Safeguarding Dataset tables: one CSV per SSD object, ISO dates, Y/N flags.

Labels and codes come from `formats.ssd_spec`, the reader's own mapping, so what is written reads back the same.
What the SSD has no place for is not written: staff history (each professional carries the team and FTE of
their post on the extract date and their role then), establishment, absence, supervision, case notes, audits,
visit workers, personal-adviser visits, contact decision dates, an early-help contact outcome (written as
OTHER_OUTCOMES_EXIST_FLAG) and 'case closed' as the reason an allocation ended (the SSD code set has none:
OTHERS). Each looked-after episode is written with a legal status row and a
placement row of its own, linked by the episode id.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from clearsight.formats.ssd_spec import CATEGORIES, CHANGE_REASON_CODES, INVOLVEMENT_ROLES, JOB_TITLES
from clearsight.store.snapshots import Snapshot


def _yn(col: str) -> str:
    return f"CASE WHEN {col} THEN 'Y' WHEN NOT {col} THEN 'N' END"


def _label(col: str, labels: dict[str, tuple[str, ...]]) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{names[0]}'" for code, names in labels.items())
    return f"CASE {col} {whens} ELSE {col} END"


def _json(**flags: str) -> str:
    """An SSD outcome JSON cell from flag name -> SQL giving 'Y'/'N'/NULL."""
    pairs = ", ".join(f"'{k}', {v}" for k, v in flags.items())
    return f"CAST(json_object({pairs}) AS VARCHAR)"


_CHANGE = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANGE_REASON_CODES.items())
_NO_DATE = "CAST(NULL AS DATE)"

QUERIES: dict[str, str] = {
    "ssd_person": """SELECT child_id AS pers_person_id, sex AS pers_sex, ethnicity AS pers_ethnicity, dob AS pers_dob,
        expected_dob AS pers_expected_dob, death_date AS pers_death_date FROM child WHERE snapshot_id = $s
        ORDER BY 1""",
    "ssd_disability": """SELECT child_id AS disa_table_id, child_id AS disa_person_id,
        CASE WHEN disability THEN 'DDA' ELSE 'NONE' END AS disa_disability_code
        FROM child WHERE snapshot_id = $s AND disability IS NOT NULL ORDER BY 1""",
    "ssd_immigration_status": f"""SELECT child_id AS immi_immigration_status_id, child_id AS immi_person_id,
        'Unaccompanied Asylum Seeking Child' AS immi_immigration_status,
        {_NO_DATE} AS immi_immigration_status_start_date, {_NO_DATE} AS immi_immigration_status_end_date
        FROM child WHERE snapshot_id = $s AND uasc ORDER BY 1""",
    "ssd_department": """SELECT t.team_id AS dept_team_id, t.name AS dept_team_name,
        t.parent_team_id AS dept_team_parent_id, p.name AS dept_team_parent_name
        FROM team t LEFT JOIN team p ON p.team_id = t.parent_team_id AND p.snapshot_id = t.snapshot_id
        WHERE t.snapshot_id = $s ORDER BY 1""",
    "ssd_professionals": f"""WITH post AS (
            SELECT worker_id, arg_max(team_id, start_date) AS team_id, arg_max(fte, start_date) AS fte
            FROM worker_post WHERE snapshot_id = $s AND start_date <= $d GROUP BY 1)
        SELECT w.worker_id AS prof_professional_id, w.staff_id AS prof_staff_id, w.name AS prof_professional_name,
            w.swe_no AS prof_social_worker_registration_no,
            {_label('w.role', JOB_TITLES)} AS prof_professional_job_title,
            p.team_id AS prof_professional_department, p.fte AS prof_full_time_equivalency,
            CASE WHEN w.employment = 'agency' THEN 'Y' ELSE 'N' END AS prof_agency_worker_flag
        FROM worker w LEFT JOIN post p USING (worker_id) WHERE w.snapshot_id = $s ORDER BY 1""",
    "ssd_involvements": f"""SELECT allocation_id AS invo_involvements_id, worker_id AS invo_professional_id,
        {_label('role', INVOLVEMENT_ROLES)} AS invo_professional_role_id, team_id AS invo_professional_team,
        start_date AS invo_involvement_start_date, end_date AS invo_involvement_end_date,
        CASE change_reason {_CHANGE} END AS invo_worker_change_reason, child_id AS invo_person_id,
        episode_id AS invo_referral_id FROM allocation WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cin_episodes": f"""SELECT episode_id AS cine_referral_id, child_id AS cine_person_id,
        referral_date AS cine_referral_date, primary_need AS cine_cin_primary_need_code,
        referral_source AS cine_referral_source_code, {_yn('referral_nfa')} AS cine_referral_nfa,
        close_reason AS cine_close_reason, close_date AS cine_close_date, team_id AS cine_referral_team,
        worker_id AS cine_referral_worker_id FROM episode WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_contacts": f"""SELECT contact_id AS cont_contact_id, child_id AS cont_person_id,
        contact_date AS cont_contact_date,
        source AS cont_contact_source_code,
        {_json(NEW_REFERRAL_FLAG="CASE WHEN outcome = 'referral' THEN 'Y' ELSE 'N' END",
               NFA_FLAG="CASE WHEN outcome = 'nfa' THEN 'Y' ELSE 'N' END",
               ADVICE_FLAG="CASE WHEN outcome = 'information_advice' THEN 'Y' ELSE 'N' END",
               OTHER_OUTCOMES_EXIST_FLAG="CASE WHEN outcome = 'early_help' THEN 'Y' ELSE 'N' END")}
            AS cont_contact_outcome_json FROM contact WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cin_assessments": f"""SELECT assessment_id AS cina_assessment_id, child_id AS cina_person_id,
        episode_id AS cina_referral_id, start_date AS cina_assessment_start_date,
        {_yn('child_seen')} AS cina_assessment_child_seen, authorised_date AS cina_assessment_auth_date,
        {_json(NFA_FLAG=_yn('outcome_nfa'))} AS cina_assessment_outcome_json,
        {_yn('outcome_nfa')} AS cina_assessment_outcome_nfa, team_id AS cina_assessment_team,
        worker_id AS cina_assessment_worker_id FROM assessment WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_s47_enquiry": f"""SELECT s47_id AS s47e_s47_enquiry_id, episode_id AS s47e_referral_id,
        child_id AS s47e_person_id, strategy_date AS s47e_s47_start_date, end_date AS s47e_s47_end_date,
        {_yn('outcome_nfa')} AS s47e_s47_nfa,
        {_json(NFA_FLAG=_yn('outcome_nfa'), CP_CONFERENCE_FLAG=_yn('icpc_required'))} AS s47e_s47_outcome_json
        FROM s47 WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_initial_cp_conference": f"""SELECT icpc_id AS icpc_icpc_id, s47_id AS icpc_s47_enquiry_id,
        child_id AS icpc_person_id, target_date AS icpc_icpc_target_date, conference_date AS icpc_icpc_date,
        {_yn('resulted_in_plan')} AS icpc_icpc_outcome_cp_flag FROM icpc WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cp_plans": f"""SELECT cp_plan_id AS cppl_cp_plan_id, episode_id AS cppl_referral_id,
        child_id AS cppl_person_id,
        start_date AS cppl_cp_plan_start_date, end_date AS cppl_cp_plan_end_date,
        {_label('initial_category', CATEGORIES)} AS cppl_cp_plan_initial_category,
        {_label('latest_category', CATEGORIES)} AS cppl_cp_plan_latest_category
        FROM cp_plan WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cin_plans": """SELECT cin_plan_id AS cinp_cin_plan_id, episode_id AS cinp_referral_id,
        child_id AS cinp_person_id, start_date AS cinp_cin_plan_start_date, end_date AS cinp_cin_plan_end_date
        FROM cin_plan WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cla_episodes": """SELECT cla_episode_id AS clae_cla_episode_id, child_id AS clae_person_id,
        start_date AS clae_cla_episode_start_date, start_reason AS clae_cla_episode_start_reason,
        end_date AS clae_cla_episode_ceased_date, end_reason AS clae_cla_episode_ceased_reason,
        period_id AS clae_cla_id, cla_episode_id AS clae_cla_placement_id,
        min(start_date) OVER (PARTITION BY child_id, period_id) AS clae_entered_care_date
        FROM cla_episode WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cla_placement": """SELECT cla_episode_id AS clap_cla_placement_id, period_id AS clap_cla_id,
        child_id AS clap_person_id, start_date AS clap_cla_placement_start_date,
        end_date AS clap_cla_placement_end_date, placement_type AS clap_cla_placement_type,
        placement_provider AS clap_cla_placement_provider FROM cla_episode WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_legal_status": """SELECT cla_episode_id AS lega_legal_status_id, child_id AS lega_person_id,
        legal_status AS lega_legal_status, start_date AS lega_legal_status_start_date,
        end_date AS lega_legal_status_end_date FROM cla_episode WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_care_leavers": f"""SELECT child_id AS clea_table_id, child_id AS clea_person_id,
        eligibility AS clea_care_leaver_eligibility,
        CASE WHEN in_touch THEN 'YES' WHEN NOT in_touch THEN 'NO' END AS clea_care_leaver_in_touch,
        latest_contact AS clea_care_leaver_latest_contact, accommodation AS clea_care_leaver_accommodation,
        CASE WHEN suitable THEN '1' WHEN NOT suitable THEN '2' END AS clea_care_leaver_accom_suitable,
        activity AS clea_care_leaver_activity, pathway_plan_review AS clea_pathway_plan_review_date
        FROM care_leaver WHERE snapshot_id = $s ORDER BY 1""",
    "ssd_cp_reviews": """SELECT review_id AS cppr_cp_review_id, child_id AS cppr_person_id, plan_id AS cppr_cp_plan_id,
        due_date AS cppr_cp_review_due, held_date AS cppr_cp_review_date
        FROM review WHERE snapshot_id = $s AND kind = 'CP' ORDER BY 1""",
    "ssd_cla_reviews": """WITH first AS (
            SELECT child_id, period_id, arg_min(cla_episode_id, start_date) AS episode_id FROM cla_episode
            WHERE snapshot_id = $s GROUP BY ALL)
        SELECT r.review_id AS clar_cla_review_id, r.child_id AS clar_person_id, f.episode_id AS clar_cla_episode_id,
            r.plan_id AS clar_cla_id, r.due_date AS clar_cla_review_due_date, r.held_date AS clar_cla_review_date
        FROM review r LEFT JOIN first f ON f.child_id = r.child_id AND f.period_id = r.plan_id
        WHERE r.snapshot_id = $s AND r.kind = 'CLA' ORDER BY 1""",
}
_VISITS = {"ssd_cin_visits": ("cinv_cin", "CIN"), "ssd_cp_visits": ("cppv_cp", "CP"),
           "ssd_cla_visits": ("clav_cla", "CLA")}
for _table, (_prefix, _kind) in _VISITS.items():
    _person = _prefix.split("_")[0] + "_person_id"
    QUERIES[_table] = f"""SELECT visit_id AS {_prefix}_visit_id, child_id AS {_person},
        visit_date AS {_prefix}_visit_date,
        {_yn('seen')} AS {_prefix}_visit_seen, {_yn('seen_alone')} AS {_prefix}_visit_seen_alone
        FROM visit WHERE snapshot_id = $s AND kind = '{_kind}' ORDER BY 1"""


def write_ssd(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, out: Path) -> dict[str, int]:
    """Write `<out>/<ssd table>.csv` for each SSD table; returns rows written per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, sql in QUERIES.items():
        params = {k: v for k, v in {"s": snapshot.snapshot_id, "d": snapshot.extract_date}.items() if f"${k}" in sql}
        con.sql(sql, params=params).write_csv(str(out / f"{table}.csv"), header=True)
        counts[table] = int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])  # type: ignore[index]
    return counts
