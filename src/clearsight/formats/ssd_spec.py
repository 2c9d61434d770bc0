"""The Standard Safeguarding Dataset (SSD) tables Clearsight reads and writes, and how their codes map.

Field names follow data-to-insight/ssd-data-model (`data/objects/ssd_*.yml` and its published table
previews). Where the spec renamed a field between releases (e.g. `cinp_cin_plan_start` and
`cinp_cin_plan_start_date`), both names are listed: the first is the one the writer uses. Reader and writer
share the labels below, so what is written reads back through the same mapping.

Codes the SSD holds as free text (job titles, involvement roles, categories of abuse) are matched after
normalising case, spacing and punctuation; a value that matches nothing is passed on unchanged, so that the
screening step rejects the row (or, for an optional column, loads it blank) and names the value.
"""

from __future__ import annotations

from clearsight.formats.cells import name_key

# SSD table -> canonical field name used in the reader's SQL -> accepted column names (spec name first).
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "ssd_person": {
        "pers_person_id": ("pers_person_id",), "pers_sex": ("pers_sex",), "pers_ethnicity": ("pers_ethnicity",),
        "pers_dob": ("pers_dob",), "pers_expected_dob": ("pers_expected_dob",),
        "pers_death_date": ("pers_death_date",),
    },
    "ssd_disability": {
        "disa_table_id": ("disa_table_id",), "disa_person_id": ("disa_person_id",),
        "disa_disability_code": ("disa_disability_code",),
    },
    "ssd_immigration_status": {
        "immi_immigration_status_id": ("immi_immigration_status_id",), "immi_person_id": ("immi_person_id",),
        "immi_immigration_status": ("immi_immigration_status",),
        "immi_immigration_status_start_date": ("immi_immigration_status_start_date",),
        "immi_immigration_status_end_date": ("immi_immigration_status_end_date",),
    },
    "ssd_department": {
        "dept_team_id": ("dept_team_id",), "dept_team_name": ("dept_team_name",),
        "dept_team_parent_id": ("dept_team_parent_id",), "dept_team_parent_name": ("dept_team_parent_name",),
    },
    "ssd_professionals": {
        "prof_professional_id": ("prof_professional_id",), "prof_staff_id": ("prof_staff_id",),
        "prof_professional_name": ("prof_professional_name",),
        "prof_social_worker_registration_no": ("prof_social_worker_registration_no",),
        "prof_professional_job_title": ("prof_professional_job_title",),
        "prof_professional_department": ("prof_professional_department", "prof_professional_team"),
        "prof_full_time_equivalency": ("prof_full_time_equivalency",),
        "prof_agency_worker_flag": ("prof_agency_worker_flag",),
    },
    "ssd_involvements": {
        "invo_involvements_id": ("invo_involvements_id", "invo_involvement_id"),
        "invo_professional_id": ("invo_professional_id",),
        "invo_professional_role_id": ("invo_professional_role_id", "invo_professional_role"),
        "invo_professional_team": ("invo_professional_team",),
        "invo_involvement_start_date": ("invo_involvement_start_date",),
        "invo_involvement_end_date": ("invo_involvement_end_date",),
        "invo_worker_change_reason": ("invo_worker_change_reason",), "invo_person_id": ("invo_person_id",),
        "invo_referral_id": ("invo_referral_id",),
    },
    "ssd_cin_episodes": {
        "cine_referral_id": ("cine_referral_id",), "cine_person_id": ("cine_person_id",),
        "cine_referral_date": ("cine_referral_date",),
        "cine_cin_primary_need_code": ("cine_cin_primary_need_code", "cine_cin_primary_need"),
        "cine_referral_source_code": ("cine_referral_source_code",), "cine_referral_nfa": ("cine_referral_nfa",),
        "cine_close_reason": ("cine_close_reason",), "cine_close_date": ("cine_close_date",),
        "cine_referral_team": ("cine_referral_team", "cine_referral_team_name"),
        "cine_referral_worker_id": ("cine_referral_worker_id",),
    },
    "ssd_contacts": {
        "cont_contact_id": ("cont_contact_id",), "cont_person_id": ("cont_person_id",),
        "cont_contact_date": ("cont_contact_date",), "cont_contact_source_code": ("cont_contact_source_code",),
        "cont_contact_outcome_json": ("cont_contact_outcome_json",),
    },
    "ssd_cin_assessments": {
        "cina_assessment_id": ("cina_assessment_id",), "cina_person_id": ("cina_person_id",),
        "cina_referral_id": ("cina_referral_id",), "cina_assessment_start_date": ("cina_assessment_start_date",),
        "cina_assessment_child_seen": ("cina_assessment_child_seen",),
        "cina_assessment_auth_date": ("cina_assessment_auth_date",),
        "cina_assessment_outcome_json": ("cina_assessment_outcome_json",),
        "cina_assessment_outcome_nfa": ("cina_assessment_outcome_nfa",),
        "cina_assessment_team": ("cina_assessment_team", "cina_assessment_team_name"),
        "cina_assessment_worker_id": ("cina_assessment_worker_id",),
    },
    "ssd_s47_enquiry": {
        "s47e_s47_enquiry_id": ("s47e_s47_enquiry_id",), "s47e_referral_id": ("s47e_referral_id",),
        "s47e_person_id": ("s47e_person_id",), "s47e_s47_start_date": ("s47e_s47_start_date",),
        "s47e_s47_end_date": ("s47e_s47_end_date",), "s47e_s47_nfa": ("s47e_s47_nfa",),
        "s47e_s47_outcome_json": ("s47e_s47_outcome_json",),
    },
    "ssd_initial_cp_conference": {
        "icpc_icpc_id": ("icpc_icpc_id",), "icpc_s47_enquiry_id": ("icpc_s47_enquiry_id",),
        "icpc_person_id": ("icpc_person_id",), "icpc_referral_id": ("icpc_referral_id",),
        "icpc_icpc_target_date": ("icpc_icpc_target_date",), "icpc_icpc_date": ("icpc_icpc_date",),
        "icpc_icpc_outcome_cp_flag": ("icpc_icpc_outcome_cp_flag",),
        "icpc_icpc_outcome_json": ("icpc_icpc_outcome_json",),
    },
    "ssd_cp_plans": {
        "cppl_cp_plan_id": ("cppl_cp_plan_id",), "cppl_referral_id": ("cppl_referral_id",),
        "cppl_person_id": ("cppl_person_id",), "cppl_cp_plan_start_date": ("cppl_cp_plan_start_date",),
        "cppl_cp_plan_end_date": ("cppl_cp_plan_end_date",),
        "cppl_cp_plan_initial_category": ("cppl_cp_plan_initial_category",),
        "cppl_cp_plan_latest_category": ("cppl_cp_plan_latest_category",),
    },
    "ssd_cin_plans": {
        "cinp_cin_plan_id": ("cinp_cin_plan_id",), "cinp_referral_id": ("cinp_referral_id",),
        "cinp_person_id": ("cinp_person_id",),
        "cinp_cin_plan_start_date": ("cinp_cin_plan_start_date", "cinp_cin_plan_start"),
        "cinp_cin_plan_end_date": ("cinp_cin_plan_end_date", "cinp_cin_plan_end"),
    },
    "ssd_cla_episodes": {
        "clae_cla_episode_id": ("clae_cla_episode_id",), "clae_person_id": ("clae_person_id",),
        "clae_cla_episode_start_date": ("clae_cla_episode_start_date",),
        "clae_cla_episode_start_reason": ("clae_cla_episode_start_reason",),
        "clae_cla_episode_ceased_date": ("clae_cla_episode_ceased_date", "clae_cla_episode_ceased"),
        "clae_cla_episode_ceased_reason": ("clae_cla_episode_ceased_reason",), "clae_cla_id": ("clae_cla_id",),
        "clae_referral_id": ("clae_referral_id",), "clae_cla_placement_id": ("clae_cla_placement_id",),
        "clae_entered_care_date": ("clae_entered_care_date",),
    },
    "ssd_cla_placement": {
        "clap_cla_placement_id": ("clap_cla_placement_id",), "clap_cla_id": ("clap_cla_id",),
        "clap_cla_episode_id": ("clap_cla_episode_id",), "clap_person_id": ("clap_person_id",),
        "clap_cla_placement_start_date": ("clap_cla_placement_start_date",),
        "clap_cla_placement_end_date": ("clap_cla_placement_end_date",),
        "clap_cla_placement_type": ("clap_cla_placement_type",),
        "clap_cla_placement_provider": ("clap_cla_placement_provider",),
    },
    "ssd_legal_status": {
        "lega_legal_status_id": ("lega_legal_status_id",), "lega_person_id": ("lega_person_id",),
        "lega_legal_status": ("lega_legal_status",),
        "lega_legal_status_start_date": ("lega_legal_status_start_date",),
        "lega_legal_status_end_date": ("lega_legal_status_end_date",),
    },
    "ssd_care_leavers": {
        "clea_table_id": ("clea_table_id",), "clea_person_id": ("clea_person_id",),
        "clea_care_leaver_eligibility": ("clea_care_leaver_eligibility",),
        "clea_care_leaver_in_touch": ("clea_care_leaver_in_touch",),
        "clea_care_leaver_latest_contact": ("clea_care_leaver_latest_contact",),
        "clea_care_leaver_accommodation": ("clea_care_leaver_accommodation",),
        "clea_care_leaver_accom_suitable": ("clea_care_leaver_accom_suitable",),
        "clea_care_leaver_activity": ("clea_care_leaver_activity",),
        "clea_pathway_plan_review_date": ("clea_pathway_plan_review_date",),
    },
    "ssd_cp_reviews": {
        "cppr_cp_review_id": ("cppr_cp_review_id",), "cppr_person_id": ("cppr_person_id",),
        "cppr_cp_plan_id": ("cppr_cp_plan_id",), "cppr_cp_review_due": ("cppr_cp_review_due",),
        "cppr_cp_review_date": ("cppr_cp_review_date",),
    },
    "ssd_cla_reviews": {
        "clar_cla_review_id": ("clar_cla_review_id",), "clar_person_id": ("clar_person_id",),
        "clar_cla_episode_id": ("clar_cla_episode_id",), "clar_cla_id": ("clar_cla_id",),
        "clar_cla_review_due_date": ("clar_cla_review_due_date",),
        "clar_cla_review_date": ("clar_cla_review_date",),
    },
    "ssd_cin_visits": {
        "cinv_cin_visit_id": ("cinv_cin_visit_id",), "cinv_person_id": ("cinv_person_id",),
        "cinv_cin_plan_id": ("cinv_cin_plan_id",), "cinv_cin_visit_date": ("cinv_cin_visit_date",),
        "cinv_cin_visit_seen": ("cinv_cin_visit_seen",), "cinv_cin_visit_seen_alone": ("cinv_cin_visit_seen_alone",),
    },
    "ssd_cp_visits": {
        "cppv_cp_visit_id": ("cppv_cp_visit_id", "cppv_visit_id"), "cppv_person_id": ("cppv_person_id",),
        "cppv_cp_plan_id": ("cppv_cp_plan_id",), "cppv_cp_visit_date": ("cppv_cp_visit_date",),
        "cppv_cp_visit_seen": ("cppv_cp_visit_seen",), "cppv_cp_visit_seen_alone": ("cppv_cp_visit_seen_alone",),
    },
    "ssd_cla_visits": {
        "clav_cla_visit_id": ("clav_cla_visit_id",), "clav_person_id": ("clav_person_id",),
        "clav_cla_id": ("clav_cla_id",), "clav_cla_episode_id": ("clav_cla_episode_id",),
        "clav_cla_visit_date": ("clav_cla_visit_date",), "clav_cla_visit_seen": ("clav_cla_visit_seen",),
        "clav_cla_visit_seen_alone": ("clav_cla_visit_seen_alone",),
    },
}

# Other SSD objects: recognised (counted, named in the notes) but with no canonical table to hold them.
NOT_MODELLED = (
    "ssd_address", "ssd_assessment_factors", "ssd_cla_care_plan", "ssd_cla_convictions", "ssd_cla_health",
    "ssd_cla_immunisations", "ssd_cla_previous_permanence", "ssd_cla_substance_misuse", "ssd_early_help_episodes",
    "ssd_ehcp_active_plans", "ssd_ehcp_assessment", "ssd_ehcp_named_plan", "ssd_ehcp_requests", "ssd_family",
    "ssd_linked_identifiers", "ssd_missing", "ssd_mother", "ssd_permanence", "ssd_pre_proceedings",
    "ssd_s251_finance", "ssd_sdq_scores", "ssd_sen_need", "ssd_cp_reviews_risks", "ssd_send", "ssd_voice_of_child",
    "ssd_version_log",
)


def key_column(table: str) -> str:
    """The column that identifies an SSD table when its file is not named after it."""
    return next(iter(TABLES[table]))


# Canonical role -> the job title the writer uses; the reader also takes the synonyms after it.
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "social_worker": ("Social Worker", "Qualified Social Worker", "Children's Social Worker", "Case Worker",
                      "Social Worker (Agency)"),
    "asye": ("ASYE Social Worker", "ASYE", "Newly Qualified Social Worker", "NQSW"),
    "senior_practitioner": ("Senior Practitioner", "Senior Social Worker", "Advanced Practitioner",
                            "Consultant Social Worker"),
    "team_manager": ("Team Manager", "Practice Manager", "Assistant Team Manager", "Deputy Team Manager"),
    "service_manager": ("Service Manager", "Group Manager"),
    "head_of_service": ("Head of Service",),
    "director": ("Director", "Director of Children's Services", "Assistant Director"),
    "iro": ("Independent Reviewing Officer", "IRO", "Child Protection Chair", "CP Chair"),
    "personal_adviser": ("Personal Adviser", "Personal Advisor", "PA"),
    "social_work_assistant": ("Social Work Assistant", "Social Work Support Officer"),
}
# Canonical allocation role -> the SSD involvement role the writer uses, then synonyms.
INVOLVEMENT_ROLES: dict[str, tuple[str, ...]] = {
    "allocated_social_worker": ("Allocated Social Worker", "Allocated Case Worker", "Allocated Worker",
                                "Social Worker", "Case Worker", "Key Worker"),
    "personal_adviser": ("Personal Adviser", "Personal Advisor", "Allocated Personal Adviser",
                         "Allocated Personal Advisor", "PA"),
    "iro": ("Independent Reviewing Officer", "IRO", "Allocated IRO"),
    "co_worker": ("Co-worker", "Co Worker", "Second Worker", "Joint Worker"),
    "duty": ("Duty", "Duty Worker", "Duty Social Worker", "Duty Team"),
}
# ssd_involvements.invo_worker_change_reason codes (spec code set) -> canonical change reason.
CHANGE_REASONS = {
    "FCONTA": "new_allocation", "LEFTRL": "worker_left", "MANAGE": "caseload_balancing", "TSPROC": "case_transfer",
    "ORGRST": "restructure", "ABSENC": "other", "CHCHAN": "other", "PCCHAN": "other", "SWDIED": "other",
    "OTHERS": "other",
}
# The writer's code for each canonical reason (the SSD has no code for a closed case: OTHERS).
CHANGE_REASON_CODES = {
    "new_allocation": "FCONTA", "worker_left": "LEFTRL", "caseload_balancing": "MANAGE", "case_transfer": "TSPROC",
    "restructure": "ORGRST", "case_closed": "OTHERS", "other": "OTHERS",
}
CATEGORIES = {"NEG": ("Neglect",), "PHY": ("Physical abuse", "Physical"), "EMO": ("Emotional abuse", "Emotional"),
              "SAB": ("Sexual abuse", "Sexual"), "MUL": ("Multiple", "Mixed", "Multiple/not recommended")}
SEX = {"M": ("M", "Male", "1"), "F": ("F", "Female", "2"),
       "U": ("U", "Unknown", "Not known", "Not stated", "Indeterminate", "0", "9")}
# Team services from words in a team's name (the SSD has no service); first match wins, else 'cin'.
SERVICE_WORDS = (
    ("leaving care", "leaving_care"), ("care leaver", "leaving_care"), ("adopt", "adoption"),
    ("fostering", "fostering"), ("children in care", "cla"), ("looked after", "cla"), ("cla", "cla"),
    ("child protection", "cp"), ("safeguarding hub", "front_door"), ("mash", "front_door"),
    ("front door", "front_door"), ("duty", "front_door"), ("assessment", "assessment"), ("iro", "iro"),
    ("independent review", "iro"), ("quality", "qa"), ("directorate", "management"),
)
# SSD care leaver 'in touch' codes: YES and NO say whether the council is in touch; the others (DIED, REFU,
# NREQ, RHOM) are not a yes or no and load blank with a note.
IN_TOUCH = {"YES": "Y", "Y": "Y", "NO": "N", "N": "N"}
SUITABLE = {"1": "Y", "2": "N", "Y": "Y", "N": "N", "SUITABLE": "Y", "UNSUITABLE": "N"}


def lookup(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised label or code -> canonical code, for a mapping of code -> labels (the code matches too)."""
    out: dict[str, str] = {}
    for code, labels in mapping.items():
        for written in (code, *labels):
            out.setdefault(name_key(written), code)
    return out
