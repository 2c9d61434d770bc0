"""Code lists of the canonical model, documented in one place.

Each list follows the statutory return it comes from where one exists (CIN census, SSDA903, the
children's social work workforce census) and uses plain snake_case words for the local extensions.
Readers map their format's codes onto these; validation rejects anything else.
"""

from __future__ import annotations

SEX = ("M", "F", "U")

SERVICE = (
    "front_door", "assessment", "cin", "cp", "cla", "leaving_care", "fostering", "adoption", "iro", "qa",
    "management",
)

# Roles of staff. Case-holding social-work roles are the ones an "allocated" case needs (definitions.md).
ROLE = (
    "social_worker", "asye", "senior_practitioner", "team_manager", "service_manager", "head_of_service",
    "director", "iro", "personal_adviser", "social_work_assistant",
)
SOCIAL_WORK_CASE_HOLDERS = ("social_worker", "asye", "senior_practitioner")
MANAGER_ROLES = ("team_manager", "service_manager", "head_of_service", "director")

EMPLOYMENT = ("permanent", "agency", "fixed_term", "secondee")

LEAVE_REASON = (
    "career_development", "relocation", "restructure", "agency_for_pay", "retirement", "workload",
    "end_of_contract", "dismissal", "other",
)
LEAVER_DESTINATION = ("other_la", "agency", "private_sector", "left_profession", "retired", "unknown")
START_ORIGIN = ("newly_qualified", "other_la", "agency", "private_sector", "returner", "unknown")

# ssd_involvements roles.
ALLOCATION_ROLE = ("allocated_social_worker", "personal_adviser", "iro", "co_worker", "duty")
CHANGE_REASON = (
    "new_allocation", "worker_left", "caseload_balancing", "case_transfer", "case_closed", "restructure",
    "other",
)

# CIN census referral sources (1A..10) and primary need codes (N0..N9).
REFERRAL_SOURCE = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B", "5C", "5D",
    "6", "7", "8", "9", "10",
)
PRIMARY_NEED = ("N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9")
# CIN census reason for closure.
CLOSE_REASON = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8")
CP_CATEGORY = ("NEG", "PHY", "EMO", "SAB", "MUL")
CONTACT_OUTCOME = ("referral", "nfa", "early_help", "information_advice")

# SSDA903 legal status, placement type, reason for new episode, reason episode ceased.
LEGAL_STATUS = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
PLACEMENT_TYPE = (
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1", "T0", "T1",
    "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1",
)
CLA_START_REASON = ("B", "L", "P", "S", "T", "U")
# SSDA903 missing table: M missing from placement, A away from placement without authorisation.
MISSING_KIND = ("M", "A")
# SSDA903 placed for adoption: why the decision that the child should be placed for adoption ceased (RD1 the
# child's needs changed, RD2 the court did not make a placement order, RD3 no adopters found, RD4 other).
ADOPTION_CEASED_REASON = ("RD1", "RD2", "RD3", "RD4")
# SSDA903 AD1: adopters' sex (one male, one female, two male, two female, male and female) and legal status.
ADOPTERS_SEX = ("M1", "F1", "MM", "FF", "MF")
ADOPTERS_LEGAL_STATUS = ("L0", "L11", "L12", "L2", "L3", "L4")
# SSDA903 previous permanence: P1 adoption, P2 special guardianship order, P3 residence or child arrangements
# order, P4 later child arrangements order codes, Z1 not known.
PREVIOUS_PERMANENCE = ("P1", "P2", "P3", "P4", "Z1")

CLA_END_REASON = (
    "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E4A", "E4B", "E41", "E45", "E46", "E47",
    "E48", "E5", "E6", "E7", "E8", "E9", "X1",
)
PLACEMENT_PROVIDER = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
# SSDA903 REASON_PLACE_CHANGE (from 2023-24): why a placement ended when the child moved to another: change to
# or implementation of the care plan, resignation or closure of the provision, allegation (s47), standards of
# care concern, approval removed, carer's request for the child's behaviour or other reasons, the child's
# request, the responsible authority's request, change of placement type, custody arrangement, other.
PLACEMENT_CHANGE_REASON = ("CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
                           "CUSTOD", "OTHER")

CARE_LEAVER_ACTIVITY = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6")
CARE_LEAVER_ACCOMMODATION = ("B", "C", "D", "E", "G", "H", "K", "R", "S", "T", "U", "V", "W", "X", "Y", "Z")

REVIEW_KIND = ("CP", "CLA")
VISIT_KIND = ("CIN", "CP", "CLA", "PA")
ABSENCE_REASON = ("sickness", "maternity", "training", "other")
SUPERVISION_KIND = ("one_to_one", "group", "case_oversight")
CASE_NOTE_KIND = ("case_note", "chronology")
AUDITOR_KIND = ("manager", "independent", "peer")
GRADE = ("outstanding", "good", "requires_improvement", "inadequate")

# Legal status of an open case for the allocation position (looked after beats CP beats CIN).
CASE_STATUS = ("CLA", "CP", "CIN")
