"""Council configuration with the defaults of ../shared/domain/definitions.md.

Every threshold, standard and timescale Clearsight uses lives here, so a council can override it in one TOML
file (`clearsight --config council.toml ...` or `CLEARSIGHT_CONFIG`) and no figure depends on a literal.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CaseloadStandard(BaseModel):
    """Acceptable caseload range for a role, in children per FTE."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lower: float = Field(gt=0, description="Caseload at or below which a worker is within standard (green).")
    upper: float = Field(gt=0, description="Caseload above which a worker is over capacity (red).")

    @model_validator(mode="after")
    def _ordered(self) -> "CaseloadStandard":
        if self.lower > self.upper:
            raise ValueError(f"lower ({self.lower}) must not exceed upper ({self.upper})")
        return self

    def target(self, which: Literal["lower", "upper", "mid"] = "upper") -> float:
        """The figure a capacity calculation aims at."""
        return {"lower": self.lower, "upper": self.upper, "mid": (self.lower + self.upper) / 2}[which]


def _default_standards() -> dict[str, CaseloadStandard]:
    # definitions.md: social worker 18-20; ASYE and senior practitioner 12-15 (seed 002); IRO 50-70
    # (IRO Handbook); personal adviser 18-20 (seed 002).
    return {
        "social_worker": CaseloadStandard(lower=18, upper=20),
        "asye": CaseloadStandard(lower=12, upper=15),
        "senior_practitioner": CaseloadStandard(lower=12, upper=15),
        "iro": CaseloadStandard(lower=50, upper=70),
        "personal_adviser": CaseloadStandard(lower=18, upper=20),
    }


class AllocationRules(BaseModel):
    """How "allocated" is decided (no national standard defines it; definitions.md documents this rule)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_holding_roles: tuple[str, ...] = Field(
        default=("social_worker", "asye", "senior_practitioner"),
        description="Worker roles whose allocation makes a CIN/CP/CLA case allocated.",
    )
    allocation_roles: tuple[str, ...] = Field(
        default=("allocated_social_worker",),
        description="Kinds of involvement that count as the case's allocation.",
    )
    manager_roles: tuple[str, ...] = Field(
        default=("team_manager", "service_manager", "head_of_service", "director"),
        description="Roles whose holding of a case is reported as 'held by a manager' (still unallocated).",
    )
    caseload_roles: tuple[str, ...] = Field(
        default=("allocated_social_worker", "personal_adviser", "iro"),
        description="Kinds of involvement that count towards a worker's caseload.",
    )


class WorkforceSettings(BaseModel):
    """Who counts in the social-work workforce and the thresholds its signals use (definitions.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    social_work_roles: tuple[str, ...] = Field(
        default=(
            "social_worker", "asye", "senior_practitioner", "team_manager", "service_manager",
            "head_of_service", "iro",
        ),
        description="Roles counted as children's social workers (DfE workforce census: registered social "
        "workers in children's services, managers and IROs included).",
    )
    agency_target: float = Field(
        default=0.20, ge=0, le=1,
        description="Highest acceptable agency share of social-work FTE (seed 003: permanent:agency 80:20).",
    )
    long_term_absence_days: int = Field(
        default=28, ge=1, description="A spell of absence this many calendar days or longer is long-term."
    )
    newly_qualified_share_alert: float = Field(
        default=1 / 3, ge=0, le=1,
        description="A team where this share or more of practitioners are ASYE is flagged.",
    )


def _england_2025() -> dict[str, float]:
    # definitions.md: DfE national figures for 2025 (workforce census at 30 September; CIN census).
    return {
        "turnover_rate": 0.118,
        "agency_rate": 0.130,
        "vacancy_rate": 0.142,
        "absence_rate": 0.035,
        "average_caseload": 15.2,
        "assessments_within_45_days": 0.857,
        "re_referral_rate": 0.226,
        "repeat_cp_plan_rate": 0.245,
    }


class CouncilConfig(BaseModel):
    """Everything a council may set. Defaults are definitions.md's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    council_name: str = Field(default="Eastmere", description="Shown on every output.")
    caseload_standards: dict[str, CaseloadStandard] = Field(
        default_factory=_default_standards,
        description="Caseload standard by worker role, children per FTE.",
    )
    posts_standard_role: str = Field(
        default="social_worker",
        description="Role whose upper standard converts cases over capacity into posts needed (seed 002).",
    )
    span_of_control: CaseloadStandard = Field(
        default=CaseloadStandard(lower=8, upper=10),
        description="Direct reports per team manager (seed 002: 8-10).",
    )
    allocation: AllocationRules = Field(default_factory=AllocationRules)
    workforce: WorkforceSettings = Field(default_factory=WorkforceSettings)
    england: dict[str, float] = Field(
        default_factory=_england_2025,
        description="England figures shown beside the council's own until a benchmark table is loaded.",
    )
    small_number_threshold: int = Field(
        default=5, ge=0, description="Member-facing outputs suppress counts below this (DfE practice)."
    )

    def standard_for(self, role: str) -> CaseloadStandard | None:
        return self.caseload_standards.get(role)


def load_config(path: str | Path | None = None) -> CouncilConfig:
    """Read a council TOML file over the defaults; `None` uses `CLEARSIGHT_CONFIG` or the defaults alone."""
    path = path or os.environ.get("CLEARSIGHT_CONFIG")
    if not path:
        return CouncilConfig()
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return CouncilConfig.model_validate(data)
