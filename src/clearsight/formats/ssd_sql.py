"""The SQL that maps staged SSD tables (`t_ssd_*`, all text) into canonical tables (`c_*`), in dependency order.

Values are normalised here (codes upper-cased, labels matched, dates turned to ISO where readable) and left
as found otherwise, so the screening step names the file, row, column and value it could not accept.
"""

from __future__ import annotations

from datetime import date

from clearsight.canonical.dates import sql_parse_date
from clearsight.formats.ssd_spec import (
    CATEGORIES, CHANGE_REASONS, IN_TOUCH, INVOLVEMENT_ROLES, JOB_TITLES, SERVICE_WORDS, SEX, SUITABLE, lookup,
)

UNKNOWN_TEAM = "ssd:team-not-recorded"

# Canonical table -> the SSD tables whose presence makes the reader emit it.
CANONICAL: dict[str, tuple[str, ...]] = {
    "child": ("ssd_person",), "team": ("ssd_department", "ssd_involvements", "ssd_cin_episodes"),
    "worker": ("ssd_professionals",), "worker_post": ("ssd_professionals",), "episode": ("ssd_cin_episodes",),
    "allocation": ("ssd_involvements",), "contact": ("ssd_contacts",), "assessment": ("ssd_cin_assessments",),
    "s47": ("ssd_s47_enquiry",), "icpc": ("ssd_initial_cp_conference",), "cp_plan": ("ssd_cp_plans",),
    "cin_plan": ("ssd_cin_plans",), "cla_episode": ("ssd_cla_episodes",), "care_leaver": ("ssd_care_leavers",),
    "review": ("ssd_cp_reviews", "ssd_cla_reviews"), "visit": ("ssd_cin_visits", "ssd_cp_visits", "ssd_cla_visits"),
}
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "ssd_cin_episodes": ("cine_referral_date", "cine_close_date"),
    "ssd_involvements": ("invo_involvement_start_date", "invo_involvement_end_date"),
    "ssd_contacts": ("cont_contact_date",), "ssd_cin_assessments": ("cina_assessment_start_date",),
    "ssd_s47_enquiry": ("s47e_s47_start_date",), "ssd_cp_plans": ("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    "ssd_cla_episodes": ("clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    "ssd_cp_reviews": ("cppr_cp_review_date",), "ssd_cla_reviews": ("clar_cla_review_date",),
    "ssd_cin_visits": ("cinv_cin_visit_date",), "ssd_cp_visits": ("cppv_cp_visit_date",),
    "ssd_cla_visits": ("clav_cla_visit_date",),
}
# SSD table -> canonical column -> SSD field, so messages name the column as the file does.
HEADER_OF: dict[str, dict[str, str]] = {
    "ssd_person": {"child_id": "pers_person_id", "sex": "pers_sex", "ethnicity": "pers_ethnicity", "dob": "pers_dob",
                   "expected_dob": "pers_expected_dob", "death_date": "pers_death_date"},
    "ssd_department": {"team_id": "dept_team_id", "name": "dept_team_name", "parent_team_id": "dept_team_parent_id"},
    "ssd_professionals": {"worker_id": "prof_professional_id", "staff_id": "prof_staff_id",
                          "name": "prof_professional_name", "swe_no": "prof_social_worker_registration_no",
                          "role": "prof_professional_job_title", "fte": "prof_full_time_equivalency",
                          "employment": "prof_agency_worker_flag"},
    "ssd_involvements": {"allocation_id": "invo_involvements_id", "child_id": "invo_person_id",
                         "episode_id": "invo_referral_id", "worker_id": "invo_professional_id",
                         "team_id": "invo_professional_team", "role": "invo_professional_role_id",
                         "start_date": "invo_involvement_start_date", "end_date": "invo_involvement_end_date",
                         "change_reason": "invo_worker_change_reason"},
    "ssd_cin_episodes": {"episode_id": "cine_referral_id", "child_id": "cine_person_id",
                         "referral_date": "cine_referral_date", "referral_source": "cine_referral_source_code",
                         "primary_need": "cine_cin_primary_need_code", "referral_nfa": "cine_referral_nfa",
                         "close_date": "cine_close_date", "close_reason": "cine_close_reason",
                         "team_id": "cine_referral_team", "worker_id": "cine_referral_worker_id"},
    "ssd_contacts": {"contact_id": "cont_contact_id", "child_id": "cont_person_id", "contact_date": "cont_contact_date",
                     "source": "cont_contact_source_code", "outcome": "cont_contact_outcome_json"},
    "ssd_cin_assessments": {"assessment_id": "cina_assessment_id", "child_id": "cina_person_id",
                            "episode_id": "cina_referral_id", "start_date": "cina_assessment_start_date",
                            "authorised_date": "cina_assessment_auth_date",
                            "child_seen": "cina_assessment_child_seen", "outcome_nfa": "cina_assessment_outcome_nfa",
                            "team_id": "cina_assessment_team", "worker_id": "cina_assessment_worker_id"},
    "ssd_s47_enquiry": {"s47_id": "s47e_s47_enquiry_id", "child_id": "s47e_person_id", "episode_id": "s47e_referral_id",
                        "strategy_date": "s47e_s47_start_date", "end_date": "s47e_s47_end_date",
                        "outcome_nfa": "s47e_s47_nfa", "icpc_required": "s47e_s47_outcome_json"},
    "ssd_initial_cp_conference": {"icpc_id": "icpc_icpc_id", "s47_id": "icpc_s47_enquiry_id",
                                  "child_id": "icpc_person_id", "target_date": "icpc_icpc_target_date",
                                  "conference_date": "icpc_icpc_date", "resulted_in_plan": "icpc_icpc_outcome_cp_flag"},
    "ssd_cp_plans": {"cp_plan_id": "cppl_cp_plan_id", "child_id": "cppl_person_id", "episode_id": "cppl_referral_id",
                     "start_date": "cppl_cp_plan_start_date", "end_date": "cppl_cp_plan_end_date",
                     "initial_category": "cppl_cp_plan_initial_category",
                     "latest_category": "cppl_cp_plan_latest_category"},
    "ssd_cin_plans": {"cin_plan_id": "cinp_cin_plan_id", "child_id": "cinp_person_id", "episode_id": "cinp_referral_id",
                      "start_date": "cinp_cin_plan_start_date", "end_date": "cinp_cin_plan_end_date"},
    "ssd_cla_episodes": {"cla_episode_id": "clae_cla_episode_id", "child_id": "clae_person_id",
                         "period_id": "clae_cla_id", "start_date": "clae_cla_episode_start_date",
                         "start_reason": "clae_cla_episode_start_reason",
                         "end_date": "clae_cla_episode_ceased_date", "end_reason": "clae_cla_episode_ceased_reason",
                         "legal_status": "lega_legal_status in ssd_legal_status",
                         "placement_type": "clap_cla_placement_type in ssd_cla_placement",
                         "placement_provider": "clap_cla_placement_provider in ssd_cla_placement"},
    "ssd_care_leavers": {"child_id": "clea_person_id", "eligibility": "clea_care_leaver_eligibility",
                         "in_touch": "clea_care_leaver_in_touch", "latest_contact": "clea_care_leaver_latest_contact",
                         "accommodation": "clea_care_leaver_accommodation",
                         "suitable": "clea_care_leaver_accom_suitable", "activity": "clea_care_leaver_activity",
                         "pathway_plan_review": "clea_pathway_plan_review_date"},
    "ssd_cp_reviews": {"review_id": "cppr_cp_review_id", "child_id": "cppr_person_id", "plan_id": "cppr_cp_plan_id",
                       "due_date": "cppr_cp_review_due", "held_date": "cppr_cp_review_date"},
    "ssd_cla_reviews": {"review_id": "clar_cla_review_id", "child_id": "clar_person_id", "plan_id": "clar_cla_id",
                        "due_date": "clar_cla_review_due_date", "held_date": "clar_cla_review_date"},
    "ssd_cin_visits": {"visit_id": "cinv_cin_visit_id", "child_id": "cinv_person_id",
                       "visit_date": "cinv_cin_visit_date", "seen": "cinv_cin_visit_seen",
                       "seen_alone": "cinv_cin_visit_seen_alone"},
    "ssd_cp_visits": {"visit_id": "cppv_cp_visit_id", "child_id": "cppv_person_id", "visit_date": "cppv_cp_visit_date",
                      "seen": "cppv_cp_visit_seen", "seen_alone": "cppv_cp_visit_seen_alone"},
    "ssd_cla_visits": {"visit_id": "clav_cla_visit_id", "child_id": "clav_person_id",
                       "visit_date": "clav_cla_visit_date", "seen": "clav_cla_visit_seen",
                       "seen_alone": "clav_cla_visit_seen_alone"},
}
_YES = "('Y', 'YES', 'TRUE', 'T', '1')"
_NO = "('N', 'NO', 'FALSE', 'F', '0')"


def t(col: str) -> str:
    """A cell as trimmed text, NULL when blank; a whole number written as a float ('1234.0', as tools that
    read ids as numbers write them) loses its '.0', as `cells.text` does, so ids still join."""
    raw = f"trim(CAST({col} AS VARCHAR))"
    return (f"NULLIF(CASE WHEN ends_with({raw}, '.0') THEN regexp_replace({raw}, '^([0-9]+)[.]0$', '\\1') "
            f"ELSE {raw} END, '')")


def norm(expr: str) -> str:
    """SQL of cells.name_key: lower case, apostrophes dropped, other punctuation and spacing as one space."""
    return (f"trim(regexp_replace(replace(replace(lower({expr}), '''', ''), '’', ''), '[^0-9a-z]+', ' ', 'g'))")


def parsed(col: str) -> str:
    return sql_parse_date(t(col))


def d(col: str) -> str:
    """A date cell as ISO text when readable, else as written (so screening names the bad value)."""
    return f"coalesce(CAST({parsed(col)} AS VARCHAR), {t(col)})"


def code(col: str) -> str:
    """A statutory code, upper-cased, with any label after it dropped ('C2 - Full care order' -> 'C2')."""
    up = f"upper({t(col)})"
    return (f"CASE WHEN regexp_full_match({up}, '[A-Z0-9]{{1,5}}\\s*(:|-|–).*') "
            f"THEN regexp_extract({up}, '^([A-Z0-9]{{1,5}})', 1) ELSE {up} END")


def mapped(col: str, table: dict[str, str], else_: str | None = None) -> str:
    """A label or code matched (after normalising) against `table`; unmatched values pass through."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in table.items() if k)
    return f"CASE {norm(t(col))} {whens} ELSE {else_ or t(col)} END"


def flag(json_col: str, key: str) -> str:
    """'Y'/'N' from a Y/N flag in an SSD outcome JSON cell; NULL when the cell is not JSON or lacks the key."""
    value = f"upper(trim(json_extract_string(CASE WHEN json_valid({t(json_col)}) THEN {t(json_col)} END, '$.{key}')))"
    return f"CASE WHEN {value} IN {_YES} THEN 'Y' WHEN {value} IN {_NO} THEN 'N' END"


def team(expr: str) -> str:
    """The team id a written team (id or name) resolves to, via team_key."""
    return f"(SELECT k.team_id FROM team_key k WHERE k.key = {norm(expr)})"


def _service(name: str) -> str:
    padded = f"(' ' || {norm(name)} || ' ')"
    whens = " ".join(f"WHEN {padded} LIKE '% {word}%' THEN '{service}'" for word, service in SERVICE_WORDS)
    return f"CASE {whens} ELSE 'cin' END"


_TEAM_REFS = (("ssd_involvements", "invo_professional_team"), ("ssd_cin_episodes", "cine_referral_team"),
              ("ssd_cin_assessments", "cina_assessment_team"), ("ssd_professionals", "prof_professional_department"))

_TEAM_KEY = f"""WITH dept AS (
        SELECT {t('dept_team_id')} AS id, coalesce({t('dept_team_name')}, {t('dept_team_id')}) AS name
        FROM t_ssd_department WHERE {t('dept_team_id')} IS NOT NULL),
    known AS (
        SELECT key, arg_min(team_id, p) AS team_id, arg_min(name, p) AS name FROM (
            SELECT {norm('id')} AS key, id AS team_id, name, 0 AS p FROM dept
            UNION ALL SELECT {norm('name')}, id, name, 1 FROM dept) WHERE key <> '' GROUP BY key),
    refs AS ({' UNION ALL '.join(f'SELECT {t(c)} AS written FROM t_{tb}' for tb, c in _TEAM_REFS)}),
    unknown AS (
        SELECT {norm('written')} AS key, min(written) AS name FROM refs
        WHERE written IS NOT NULL AND {norm('written')} <> ''
          AND {norm('written')} NOT IN (SELECT key FROM known) GROUP BY 1)
    SELECT key, team_id, name, FALSE AS provisional FROM known
    UNION ALL SELECT key, 'ssd:' || replace(key, ' ', '-'), name, TRUE FROM unknown"""

_TEAM = f"""SELECT {t('dept_team_id')} AS team_id, coalesce({t('dept_team_name')}, {t('dept_team_id')}) AS name,
        (SELECT k.team_id FROM team_key k WHERE k.key = {norm(t('dept_team_parent_id'))} AND NOT k.provisional)
            AS parent_team_id,
        {_service(f"coalesce({t('dept_team_name')}, '')")} AS service, source_file, source_row
    FROM t_ssd_department
    UNION ALL
    SELECT team_id, name, NULL, {_service('name')}, 'SSD team names not in ssd_department',
        CAST(row_number() OVER (ORDER BY name) AS BIGINT) FROM team_key WHERE provisional
    UNION ALL
    SELECT '{UNKNOWN_TEAM}', 'Team not recorded (SSD)', NULL, 'cin', 'SSD rows naming no team', 1"""


def _worker(day: date, titles: dict[str, str]) -> str:
    return f"""WITH inv AS (
            SELECT {t('invo_professional_id')} AS wid, min({parsed('invo_involvement_start_date')}) AS first_start,
                   arg_max({t('invo_professional_team')}, {parsed('invo_involvement_start_date')}) AS last_team
            FROM t_ssd_involvements GROUP BY 1)
        SELECT {t('p.prof_professional_id')} AS worker_id, {t('p.prof_staff_id')} AS staff_id,
            {t('p.prof_social_worker_registration_no')} AS swe_no,
            coalesce({t('p.prof_professional_name')}, {t('p.prof_professional_id')}) AS name,
            {mapped('p.prof_professional_job_title', titles)} AS role,
            CASE WHEN upper({t('p.prof_agency_worker_flag')}) IN {_YES} THEN 'agency' ELSE 'permanent' END
                AS employment,
            CAST(coalesce(inv.first_start, DATE '{day.isoformat()}') AS VARCHAR) AS start_date,
            coalesce({team(t('p.prof_professional_department'))}, {team('inv.last_team')},
                     '{UNKNOWN_TEAM}') AS post_team,
            coalesce({t('p.prof_full_time_equivalency')}, '1.0') AS fte, p.source_file, p.source_row
        FROM t_ssd_professionals p LEFT JOIN inv ON inv.wid = {t('p.prof_professional_id')}"""


_WORKER_POST = """SELECT worker_id AS post_id, worker_id, post_team AS team_id, role, fte, start_date, source_file,
        source_row FROM c_worker"""

_CHILD = f"""WITH dis AS (
            SELECT {t('disa_person_id')} AS pid,
                   CASE WHEN bool_or(upper({t('disa_disability_code')}) <> 'NONE') THEN 'Y' ELSE 'N' END AS disability
            FROM t_ssd_disability WHERE {t('disa_disability_code')} IS NOT NULL GROUP BY 1),
        imm AS (
            SELECT {t('immi_person_id')} AS pid,
                   CASE WHEN bool_or((' ' || {norm(t('immi_immigration_status'))} || ' ') LIKE '% uasc %'
                                     OR {norm(t('immi_immigration_status'))} LIKE '%unaccompanied%')
                        THEN 'Y' ELSE 'N' END AS uasc
            FROM t_ssd_immigration_status WHERE {t('immi_immigration_status')} IS NOT NULL GROUP BY 1)
        SELECT {t('p.pers_person_id')} AS child_id, {mapped('p.pers_sex', lookup(SEX))} AS sex,
            upper({t('p.pers_ethnicity')}) AS ethnicity, {d('p.pers_dob')} AS dob,
            {d('p.pers_expected_dob')} AS expected_dob, {d('p.pers_death_date')} AS death_date,
            dis.disability, {{uasc}}, p.source_file, p.source_row
        FROM t_ssd_person p LEFT JOIN dis ON dis.pid = {t('p.pers_person_id')}
        LEFT JOIN imm ON imm.pid = {t('p.pers_person_id')}"""

_EPISODE = f"""WITH inv AS (
            SELECT {t('invo_referral_id')} AS rid,
                   arg_max({t('invo_professional_team')}, {parsed('invo_involvement_start_date')}) AS team
            FROM t_ssd_involvements WHERE {t('invo_referral_id')} IS NOT NULL GROUP BY 1)
        SELECT {t('e.cine_referral_id')} AS episode_id, {t('e.cine_person_id')} AS child_id,
            {d('e.cine_referral_date')} AS referral_date, {code('e.cine_referral_source_code')} AS referral_source,
            {code('e.cine_cin_primary_need_code')} AS primary_need, {t('e.cine_referral_nfa')} AS referral_nfa,
            {d('e.cine_close_date')} AS close_date, {code('e.cine_close_reason')} AS close_reason,
            coalesce({team(t('e.cine_referral_team'))}, {team('inv.team')}, '{UNKNOWN_TEAM}') AS team_id,
            {t('e.cine_referral_worker_id')} AS worker_id, e.source_file, e.source_row
        FROM t_ssd_cin_episodes e LEFT JOIN inv ON inv.rid = {t('e.cine_referral_id')}"""

# One row per id, for looking up a row's child or team through the id it names.
_V_EPISODE = ("(SELECT episode_id, any_value(child_id) AS child_id, any_value(team_id) AS team_id FROM c_episode "
              "GROUP BY 1)")
_V_WORKER = (f"(SELECT worker_id, any_value(NULLIF(post_team, '{UNKNOWN_TEAM}')) AS team_id FROM c_worker "
             "GROUP BY 1)")

def _allocation(roles: dict[str, str]) -> str:
    return f"""SELECT
            coalesce({t('i.invo_involvements_id')}, {t('i.invo_person_id')} || ':' || {t('i.invo_professional_id')}
                     || ':' || {t('i.invo_involvement_start_date')}) AS allocation_id,
            coalesce({t('i.invo_person_id')}, e.child_id) AS child_id, {t('i.invo_referral_id')} AS episode_id,
            {t('i.invo_professional_id')} AS worker_id,
            coalesce({team(t('i.invo_professional_team'))}, e.team_id, w.team_id, '{UNKNOWN_TEAM}') AS team_id,
            {mapped('i.invo_professional_role_id', roles)} AS role,
            {d('i.invo_involvement_start_date')} AS start_date, {d('i.invo_involvement_end_date')} AS end_date,
            CASE upper({t('i.invo_worker_change_reason')})
                {' '.join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANGE_REASONS.items())}
                ELSE lower({t('i.invo_worker_change_reason')}) END AS change_reason,
            i.source_file, i.source_row
        FROM t_ssd_involvements i LEFT JOIN {_V_EPISODE} e ON e.episode_id = {t('i.invo_referral_id')}
        LEFT JOIN {_V_WORKER} w ON w.worker_id = {t('i.invo_professional_id')}"""


_CONTACT_OUTCOMES = lookup({"referral": ("New referral", "Referral to children's social care"),
                            "nfa": ("No further action", "NFA"), "early_help": ("Early help",),
                            "information_advice": ("Information and advice", "Advice", "Information advice")})
_CONTACT_FLAGS = ("NEW_REFERRAL_FLAG", "EXISTING_REFERRAL_FLAG", "NFA_FLAG", "ADVICE_FLAG")


def _yes(item: int) -> str:
    return f"upper(trim(f.flags[{item}])) IN {_YES}"


_CONTACT = f"""WITH f AS (
            SELECT *,
                   CASE WHEN json_valid({t('cont_contact_outcome_json')}) THEN {t('cont_contact_outcome_json')} END AS j,
                   json_extract_string(j, [{', '.join(f"'$.{k}'" for k in _CONTACT_FLAGS)}]) AS flags
            FROM t_ssd_contacts)
        SELECT {t('f.cont_contact_id')} AS contact_id, {t('f.cont_person_id')} AS child_id,
            {d('f.cont_contact_date')} AS contact_date, {code('f.cont_contact_source_code')} AS source,
            CASE WHEN f.j IS NOT NULL THEN CASE
                WHEN {_yes(1)} OR {_yes(2)} THEN 'referral' WHEN {_yes(3)} THEN 'nfa'
                WHEN {_yes(4)} THEN 'information_advice' END
            ELSE {mapped('f.cont_contact_outcome_json', _CONTACT_OUTCOMES)} END AS outcome,
            f.source_file, f.source_row FROM f"""

_ASSESSMENT = f"""SELECT {t('a.cina_assessment_id')} AS assessment_id,
            coalesce({t('a.cina_person_id')}, e.child_id) AS child_id, {t('a.cina_referral_id')} AS episode_id,
            {d('a.cina_assessment_start_date')} AS start_date, {d('a.cina_assessment_auth_date')} AS authorised_date,
            {t('a.cina_assessment_child_seen')} AS child_seen,
            coalesce({t('a.cina_assessment_outcome_nfa')}, {flag('a.cina_assessment_outcome_json', 'NFA_FLAG')})
                AS outcome_nfa,
            coalesce({team(t('a.cina_assessment_team'))}, e.team_id, '{UNKNOWN_TEAM}') AS team_id,
            {t('a.cina_assessment_worker_id')} AS worker_id, a.source_file, a.source_row
        FROM t_ssd_cin_assessments a LEFT JOIN {_V_EPISODE} e ON e.episode_id = {t('a.cina_referral_id')}"""

_S47 = f"""SELECT {t('s.s47e_s47_enquiry_id')} AS s47_id, coalesce({t('s.s47e_person_id')}, e.child_id) AS child_id,
            {t('s.s47e_referral_id')} AS episode_id, {d('s.s47e_s47_start_date')} AS strategy_date,
            {d('s.s47e_s47_end_date')} AS end_date,
            coalesce({t('s.s47e_s47_nfa')}, {flag('s.s47e_s47_outcome_json', 'NFA_FLAG')}) AS outcome_nfa,
            coalesce({flag('s.s47e_s47_outcome_json', 'CP_CONFERENCE_FLAG')},
                     CASE WHEN {t('s.s47e_s47_enquiry_id')} IN (SELECT {t('icpc_s47_enquiry_id')}
                          FROM t_ssd_initial_cp_conference WHERE {t('icpc_s47_enquiry_id')} IS NOT NULL) THEN 'Y' END)
                AS icpc_required,
            s.source_file, s.source_row
        FROM t_ssd_s47_enquiry s LEFT JOIN {_V_EPISODE} e ON e.episode_id = {t('s.s47e_referral_id')}"""

_ICPC = f"""SELECT {t('i.icpc_icpc_id')} AS icpc_id, {t('i.icpc_s47_enquiry_id')} AS s47_id,
            coalesce({t('i.icpc_person_id')}, s.child_id) AS child_id, {d('i.icpc_icpc_target_date')} AS target_date,
            {d('i.icpc_icpc_date')} AS conference_date,
            coalesce({t('i.icpc_icpc_outcome_cp_flag')}, {flag('i.icpc_icpc_outcome_json', 'CP_FLAG')})
                AS resulted_in_plan, i.source_file, i.source_row
        FROM t_ssd_initial_cp_conference i
        LEFT JOIN (SELECT s47_id, any_value(child_id) AS child_id FROM c_s47 GROUP BY 1) s
               ON s.s47_id = {t('i.icpc_s47_enquiry_id')}"""


def _category(col: str) -> str:
    return (f"CASE WHEN {norm(t(col))} LIKE 'multiple%' THEN 'MUL' ELSE "
            f"{mapped(col, lookup(CATEGORIES), f'upper({t(col)})')} END")


_CP_PLAN = f"""SELECT {t('p.cppl_cp_plan_id')} AS cp_plan_id, coalesce({t('p.cppl_person_id')}, e.child_id) AS child_id,
            {t('p.cppl_referral_id')} AS episode_id, {d('p.cppl_cp_plan_start_date')} AS start_date,
            {d('p.cppl_cp_plan_end_date')} AS end_date,
            {_category('p.cppl_cp_plan_initial_category')} AS initial_category,
            {_category('p.cppl_cp_plan_latest_category')} AS latest_category, p.source_file, p.source_row
        FROM t_ssd_cp_plans p LEFT JOIN {_V_EPISODE} e ON e.episode_id = {t('p.cppl_referral_id')}"""

_CIN_PLAN = f"""SELECT {t('p.cinp_cin_plan_id')} AS cin_plan_id,
            coalesce({t('p.cinp_person_id')}, e.child_id) AS child_id,
            {t('p.cinp_referral_id')} AS episode_id, {d('p.cinp_cin_plan_start_date')} AS start_date,
            {d('p.cinp_cin_plan_end_date')} AS end_date, p.source_file, p.source_row
        FROM t_ssd_cin_plans p LEFT JOIN {_V_EPISODE} e ON e.episode_id = {t('p.cinp_referral_id')}"""

_PLACEMENT_CANDIDATES = " UNION ALL ".join(
    f"""SELECT e.source_file, e.source_row, {rank} AS p, pl.s, pl.type, pl.provider FROM e JOIN pl ON {on}"""
    for rank, on in (
        (0, "pl.plid = e.plid"), (1, "pl.eid = e.eid"),
        (2, "pl.cla = e.cla AND pl.s <= e.s AND (pl.f IS NULL OR pl.f > e.s)"),
        (3, "pl.pid = e.pid AND pl.s <= e.s AND (pl.f IS NULL OR pl.f > e.s)"),
    )
)
_CLA_EPISODE = f"""WITH e AS (
            SELECT *, {t('clae_cla_episode_id')} AS eid, {t('clae_person_id')} AS pid, {t('clae_cla_id')} AS cla,
                   {t('clae_cla_placement_id')} AS plid, {parsed('clae_cla_episode_start_date')} AS s
            FROM t_ssd_cla_episodes),
        ls AS (
            SELECT {t('lega_person_id')} AS pid, {code('lega_legal_status')} AS status,
                   {parsed('lega_legal_status_start_date')} AS s, {parsed('lega_legal_status_end_date')} AS f
            FROM t_ssd_legal_status WHERE {t('lega_legal_status')} IS NOT NULL),
        pl AS (
            SELECT {t('clap_cla_placement_id')} AS plid, {t('clap_cla_episode_id')} AS eid, {t('clap_cla_id')} AS cla,
                   {t('clap_person_id')} AS pid, {parsed('clap_cla_placement_start_date')} AS s,
                   {parsed('clap_cla_placement_end_date')} AS f, {code('clap_cla_placement_type')} AS type,
                   {code('clap_cla_placement_provider')} AS provider
            FROM t_ssd_cla_placement),
        legal AS (
            SELECT e.source_file, e.source_row, ls.status FROM e
            JOIN ls ON ls.pid = e.pid AND ls.s <= e.s AND (ls.f IS NULL OR ls.f > e.s)
            QUALIFY row_number() OVER (PARTITION BY e.source_file, e.source_row ORDER BY ls.s DESC, ls.status) = 1),
        place AS (
            SELECT * FROM ({_PLACEMENT_CANDIDATES})
            QUALIFY row_number() OVER (PARTITION BY source_file, source_row ORDER BY p, s DESC NULLS LAST) = 1)
        SELECT e.eid AS cla_episode_id, e.pid AS child_id,
            coalesce(e.cla, e.pid || ':' || coalesce(CAST({parsed('e.clae_entered_care_date')} AS VARCHAR), e.eid))
                AS period_id,
            {d('e.clae_cla_episode_start_date')} AS start_date,
            {code('e.clae_cla_episode_start_reason')} AS start_reason,
            legal.status AS legal_status, place.type AS placement_type, place.provider AS placement_provider,
            {d('e.clae_cla_episode_ceased_date')} AS end_date, {code('e.clae_cla_episode_ceased_reason')} AS end_reason,
            e.source_file, e.source_row
        FROM e LEFT JOIN legal USING (source_file, source_row) LEFT JOIN place USING (source_file, source_row)"""

_CARE_LEAVER = f"""SELECT {t('clea_person_id')} AS child_id, {t('clea_care_leaver_eligibility')} AS eligibility,
            CASE upper({t('clea_care_leaver_in_touch')})
                {' '.join(f"WHEN '{k}' THEN '{v}'" for k, v in IN_TOUCH.items())}
                ELSE {t('clea_care_leaver_in_touch')} END AS in_touch,
            {d('clea_care_leaver_latest_contact')} AS latest_contact,
            {code('clea_care_leaver_accommodation')} AS accommodation,
            CASE upper({t('clea_care_leaver_accom_suitable')})
                {' '.join(f"WHEN '{k}' THEN '{v}'" for k, v in SUITABLE.items())}
                ELSE {t('clea_care_leaver_accom_suitable')} END AS suitable,
            {code('clea_care_leaver_activity')} AS activity,
            {d('clea_pathway_plan_review_date')} AS pathway_plan_review,
            source_file, source_row FROM t_ssd_care_leavers"""

_V_CP = "(SELECT cp_plan_id, any_value(child_id) AS child_id FROM c_cp_plan GROUP BY 1)"
_V_CIN = "(SELECT cin_plan_id, any_value(child_id) AS child_id FROM c_cin_plan GROUP BY 1)"
_V_CLA = ("(SELECT cla_episode_id, any_value(child_id) AS child_id, any_value(period_id) AS period_id "
          "FROM c_cla_episode GROUP BY 1)")
_V_PERIOD = "(SELECT period_id, any_value(child_id) AS child_id FROM c_cla_episode GROUP BY 1)"

_REVIEW = f"""SELECT 'CP:' || {t('r.cppr_cp_review_id')} AS review_id,
            coalesce({t('r.cppr_person_id')}, p.child_id) AS child_id,
            'CP' AS kind, {t('r.cppr_cp_plan_id')} AS plan_id, {d('r.cppr_cp_review_due')} AS due_date,
            {d('r.cppr_cp_review_date')} AS held_date, r.source_file, r.source_row
        FROM t_ssd_cp_reviews r LEFT JOIN {_V_CP} p ON p.cp_plan_id = {t('r.cppr_cp_plan_id')}
        UNION ALL
        SELECT 'CLA:' || {t('r.clar_cla_review_id')}, coalesce({t('r.clar_person_id')}, e.child_id, pd.child_id), 'CLA',
            coalesce({t('r.clar_cla_id')}, e.period_id), {d('r.clar_cla_review_due_date')},
            {d('r.clar_cla_review_date')},
            r.source_file, r.source_row
        FROM t_ssd_cla_reviews r LEFT JOIN {_V_CLA} e ON e.cla_episode_id = {t('r.clar_cla_episode_id')}
        LEFT JOIN {_V_PERIOD} pd ON pd.period_id = {t('r.clar_cla_id')}"""

_VISIT = f"""SELECT 'CIN:' || {t('v.cinv_cin_visit_id')} AS visit_id,
            coalesce({t('v.cinv_person_id')}, p.child_id) AS child_id,
            'CIN' AS kind, {d('v.cinv_cin_visit_date')} AS visit_date, {t('v.cinv_cin_visit_seen')} AS seen,
            {t('v.cinv_cin_visit_seen_alone')} AS seen_alone, v.source_file, v.source_row
        FROM t_ssd_cin_visits v LEFT JOIN {_V_CIN} p ON p.cin_plan_id = {t('v.cinv_cin_plan_id')}
        UNION ALL
        SELECT 'CP:' || {t('v.cppv_cp_visit_id')}, coalesce({t('v.cppv_person_id')}, p.child_id), 'CP',
            {d('v.cppv_cp_visit_date')}, {t('v.cppv_cp_visit_seen')}, {t('v.cppv_cp_visit_seen_alone')},
            v.source_file, v.source_row
        FROM t_ssd_cp_visits v LEFT JOIN {_V_CP} p ON p.cp_plan_id = {t('v.cppv_cp_plan_id')}
        UNION ALL
        SELECT 'CLA:' || {t('v.clav_cla_visit_id')}, coalesce({t('v.clav_person_id')}, e.child_id, pd.child_id), 'CLA',
            {d('v.clav_cla_visit_date')}, {t('v.clav_cla_visit_seen')}, {t('v.clav_cla_visit_seen_alone')},
            v.source_file, v.source_row
        FROM t_ssd_cla_visits v LEFT JOIN {_V_CLA} e ON e.cla_episode_id = {t('v.clav_cla_episode_id')}
        LEFT JOIN {_V_PERIOD} pd ON pd.period_id = {t('v.clav_cla_id')}"""


def build(
    day: date, supplied: set[str], local: dict[str, dict[str, str]] | None = None
) -> list[tuple[str, str]]:
    """(temp table, SQL) in the order they must be created; `day` stands in for unknown staff start dates and
    `local` holds a council's own job titles and involvement roles (ssd_local_codes.csv), which win.

    ssd_immigration_status lists the children who have an immigration status: when it is supplied, a child
    not in it is not an unaccompanied asylum-seeking child (not so for ssd_disability, which records NONE).
    """
    uasc = "coalesce(imm.uasc, 'N') AS uasc" if "ssd_immigration_status" in supplied else "imm.uasc"
    local = local or {}
    titles = lookup(JOB_TITLES) | local.get("prof_professional_job_title", {})
    roles = lookup(INVOLVEMENT_ROLES) | local.get("invo_professional_role_id", {})
    return [
        ("team_key", _TEAM_KEY), ("c_child", _CHILD.replace("{uasc}", uasc)), ("c_worker", _worker(day, titles)),
        ("c_worker_post", _WORKER_POST),
        ("c_episode", _EPISODE), ("c_allocation", _allocation(roles)), ("c_contact", _CONTACT),
        ("c_assessment", _ASSESSMENT), ("c_s47", _S47), ("c_icpc", _ICPC), ("c_cp_plan", _CP_PLAN),
        ("c_cin_plan", _CIN_PLAN), ("c_cla_episode", _CLA_EPISODE), ("c_care_leaver", _CARE_LEAVER),
        ("c_review", _REVIEW), ("c_visit", _VISIT),
        ("c_team", _TEAM),  # last: the 'not recorded' team is kept only if some row uses it (see _emit)
    ]
