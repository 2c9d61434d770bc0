"""The words a council reads for each code: "Child in Need", "agency", "moved to another council".

Codes belong in exports and the database; every screen, pack and terminal table shows these words instead
(audiences.md: "Words, not codes"). A code with no entry is shown as it is, so a new code is never hidden.
"""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, str]] = {
    "service": {
        "front_door": "Front door", "assessment": "Assessment", "cin": "Child in need", "cp": "Child protection",
        "cla": "Children in care", "leaving_care": "Leaving care", "fostering": "Fostering", "adoption": "Adoption",
        "iro": "Independent reviewing", "qa": "Quality assurance", "management": "Management",
    },
    "role": {
        "social_worker": "social worker", "asye": "ASYE (newly qualified)", "senior_practitioner": "senior practitioner",
        "team_manager": "team manager", "service_manager": "service manager", "head_of_service": "head of service",
        "director": "director", "iro": "independent reviewing officer", "personal_adviser": "personal adviser",
        "social_work_assistant": "social work assistant",
    },
    "employment": {"permanent": "permanent", "agency": "agency", "fixed_term": "fixed term", "secondee": "secondee"},
    "leave_reason": {
        "career_development": "career development", "relocation": "relocation", "restructure": "restructure",
        "agency_for_pay": "left for agency work (pay)", "retirement": "retirement", "workload": "workload",
        "end_of_contract": "end of contract", "dismissal": "dismissal", "other": "other reason",
    },
    "leaver_destination": {
        "other_la": "moved to another council", "agency": "agency work", "private_sector": "private sector",
        "left_profession": "left the profession", "retired": "retired", "unknown": "not known",
    },
    "legal_status": {"CLA": "looked after", "CP": "child protection plan", "CIN": "child in need"},
    "level": {"team": "team", "service": "service", "council": "council"},
    "caseload_group": {"social_work": "social workers", "personal_adviser": "personal advisers",
                       "iro": "independent reviewing officers"},
    "auditor_kind": {"manager": "manager", "independent": "independent", "peer": "peer"},
    "grade": {
        "outstanding": "outstanding", "good": "good", "requires_improvement": "requires improvement",
        "inadequate": "inadequate",
    },
    "absence_reason": {"sickness": "sickness", "maternity": "maternity", "training": "training", "other": "other"},
    "cp_category": {"NEG": "neglect", "PHY": "physical abuse", "EMO": "emotional abuse", "SAB": "sexual abuse",
                    "MUL": "multiple categories"},
    "contact_outcome": {"referral": "referral", "nfa": "no further action", "early_help": "early help",
                        "information_advice": "information and advice"},
    # SSDA903 placement types, shortened from DfE's descriptions.
    "placement_type": {
        "A3": "placed for adoption with consent, with their foster carer",
        "A4": "placed for adoption with consent, not with their foster carer",
        "A5": "placed for adoption under an order, with their foster carer",
        "A6": "placed for adoption under an order, not with their foster carer",
        "H5": "semi-independent living", "K1": "secure children's home", "K2": "children's home",
        "P1": "with parents or others with parental responsibility", "P2": "independent living",
        "P3": "residential employment", "R1": "residential care home", "R2": "NHS or health establishment",
        "R3": "family centre or mother and baby unit", "R5": "young offender institution or prison",
        "S1": "residential school", "T0": "temporary move", "T1": "temporary: in hospital",
        "T2": "temporary: on holiday", "T3": "temporary: foster carer on holiday",
        "T4": "temporary: seven days or less", "U1": "foster care with family or friends, long term",
        "U2": "foster care with family or friends, fostering for adoption",
        "U3": "foster care with family or friends", "U4": "foster care, long term",
        "U5": "foster care, fostering for adoption", "U6": "foster care", "Z1": "other placement",
    },
}


def words(vocabulary: str, code: Any) -> Any:
    """The words for `code` in `vocabulary`; the code itself when it has none (or is not text)."""
    if not isinstance(code, str):
        return code
    return WORDS.get(vocabulary, {}).get(code, code)
