"""Council configuration with the defaults of ../shared/domain/definitions.md.

Every threshold, standard and timescale Clearsight uses lives here, so a council can override it in one TOML
file (`clearsight --config council.toml ...` or `CLEARSIGHT_CONFIG`) and no figure depends on a literal.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from clearsight.config.alerts import AlertSettings

LEAVING_PRESSURE = 8.0
"""How permanent practitioners' leaving rises with their team's load (its caseload ratio over its own normal
ratio): leaving a year x e^(this x (load - 1)) above 1. No national figure; seed 000's two child-in-need teams,
taken from their usual caseload to about 25 cases a worker (a quarter more), lost about 30 social workers in
seven months: some seven times their usual rate if the teams held about 70 (e^(8 x 0.25) = 7.4). The what-if
uses it where a council's own history has not seen enough pressure (children waiting) to fit its own
(`ForecastSettings.leaving_pressure`)."""


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


class SeparateCaseload(BaseModel):
    """Workers whose caseloads are reported apart from social workers', against their own standard
    (definitions.md: personal advisers and IROs are never averaged in with social workers)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: tuple[str, ...] = Field(min_length=1, description="Worker roles in the group.")
    allocation_roles: tuple[str, ...] = Field(
        min_length=1, description="Kinds of involvement counted as the group's cases."
    )
    standard_role: str = Field(
        description="Role whose caseload standard the group is measured against, and in whose posts its cases "
        "over capacity are counted."
    )


def _default_separate_caseloads() -> dict[str, SeparateCaseload]:
    # definitions.md: personal advisers (care leavers) 18-20 and IROs 50-70, each against their own standard.
    return {
        "personal_adviser": SeparateCaseload(
            roles=("personal_adviser",), allocation_roles=("personal_adviser",), standard_role="personal_adviser"
        ),
        "iro": SeparateCaseload(roles=("iro",), allocation_roles=("iro",), standard_role="iro"),
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


class WorkforceSettings(BaseModel):
    """Who counts in the social-work workforce, and its agency target (definitions.md). The early-warning
    thresholds are alert rules (`alerts.rules`)."""

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
    census_indicators: tuple[str, ...] = Field(
        default=("turnover_rate", "agency_rate", "vacancy_rate", "absence_rate", "average_caseload"),
        description="Benchmarks published from the workforce census (as at 30 September): their year Y runs "
        "from 1 October Y-1 to 30 September Y; every other benchmark's year runs to 31 March Y.",
    )


class CalendarSettings(BaseModel):
    """Which days are working days: Monday to Friday less bank holidays and the council's own closure days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str = Field(default="GB", description="Country whose bank holidays apply (`holidays` package code).")
    subdivision: str = Field(
        default="ENG", description="Subdivision of the country: ENG gives the England and Wales bank holidays."
    )
    closure_days: tuple[date, ...] = Field(
        default=(),
        description="Extra days the council is closed (e.g. a Christmas shutdown), which are not working days.",
    )


class Timescales(BaseModel):
    """Statutory and local timescales (definitions.md, "Timescales"); working days use `CalendarSettings`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    referral_decision_working_days: int = Field(
        default=1, ge=0, description="Decision on a contact/referral within this many working days (Working "
        "Together 2023, ch. 2).",
    )
    assessment_working_days: int = Field(
        default=45, ge=1, description="Assessment authorised within this many working days of the referral "
        "(Working Together 2023, ch. 2; DfE CIN census).",
    )
    icpc_working_days: int = Field(
        default=15, ge=1, description="Initial child protection conference within this many working days of the "
        "strategy discussion that started the S47 enquiry (Working Together 2023, ch. 2).",
    )
    first_core_group_working_days: int = Field(
        default=10, ge=1, description="First core group within this many working days of the ICPC.",
    )
    cp_review_first_months: int = Field(
        default=3, ge=1, description="First CP review conference within this many months of the ICPC.",
    )
    cp_review_later_months: int = Field(
        default=6, ge=1, description="Later CP review conferences at most this many months apart.",
    )
    cp_visit_working_days: int = Field(
        default=10, ge=1, description="Local standard: a child on a CP plan is seen at least every this many "
        "working days (seed 003: 'within the last 2 weeks').",
    )
    cin_visit_working_days: int = Field(
        default=20, ge=1, description="Local standard: a child on a CIN plan is seen at least every this many "
        "working days.",
    )
    cla_review_first_working_days: int = Field(
        default=20, ge=1, description="First CLA review within this many working days of becoming looked after "
        "(SI 2010/959 reg 33(1)).",
    )
    cla_review_second_months: int = Field(
        default=3, ge=1, description="Second CLA review within this many months of the first (reg 33(2)(a)).",
    )
    cla_review_later_months: int = Field(
        default=6, ge=1, description="Later CLA reviews within this many months of the previous (reg 33(2)(b)).",
    )
    cla_visit_first_days: int = Field(
        default=7, ge=1, description="First visit within this many days (one week) of a placement starting "
        "(SI 2010/959 reg 28(2)(a)).",
    )
    cla_visit_first_year_days: int = Field(
        default=42, ge=1, description="In a placement's first year, visits at most this many days (six weeks) "
        "apart (reg 28(2)(b)(i)).",
    )
    cla_visit_long_term_months: int = Field(
        default=3, ge=1, description="After the first year of a placement intended to last until the child is 18, "
        "visits at most this many months apart (reg 28(2)(c)(i)); other placements stay at the 6-weekly interval "
        "(reg 28(2)(c)(ii)).",
    )
    cla_visit_long_term_placement_types: tuple[str, ...] = Field(
        default=("U1", "U4"), description="SSDA903 placement types that record a placement intended to last "
        "until 18 (U1, U4: foster placement with a relative or friend / with another foster carer, long-term "
        "fostering), which reg 28 lets be visited 3-monthly after its first year.",
    )
    supervision_months: int = Field(
        default=1, ge=1, description="Supervision at least this many months apart (LGA employer standards).",
    )
    asye_weekly_weeks: int = Field(
        default=6, ge=0, description="An ASYE is supervised weekly for this many weeks from the start of the ASYE "
        "(Skills for Care ASYE framework).",
    )
    asye_fortnightly_months: int = Field(
        default=6, ge=0, description="Then fortnightly until this many months from the start of the ASYE, then "
        "at the monthly standard.",
    )
    supervision_roles: tuple[str, ...] = Field(
        default=("social_worker", "asye", "senior_practitioner"),
        description="Roles whose supervision is monitored.",
    )
    supervision_kinds: tuple[str, ...] = Field(
        default=("one_to_one",), description="Kinds of supervision session that count.",
    )
    chronology_months: int = Field(
        default=3, ge=1, description="Local standard: a child's chronology is updated at least this many months "
        "apart.",
    )
    case_note_working_days: int = Field(
        default=20, ge=1, description="Local standard: a case note is recorded at least every this many working "
        "days.",
    )


def _england_by_year() -> dict[str, dict[str, float]]:
    # definitions.md: DfE national figures by publication year (workforce census at 30 September of the year;
    # CIN census and SSDA903 for the year to 31 March).
    return {"2023": {"turnover_rate": 0.159, "agency_rate": 0.179}, "2025": _england_2025()}


def _england_2025() -> dict[str, float]:
    return {
        "turnover_rate": 0.118,
        "agency_rate": 0.130,
        "vacancy_rate": 0.142,
        "absence_rate": 0.035,
        "average_caseload": 15.2,
        "assessments_within_45_days": 0.857,  # DfE: 45 working days from the assessment's start
        "re_referral_rate": 0.226,
        "repeat_cp_plan_rate": 0.245,
        "cp_two_years": 0.023,
        "placement_3plus": 0.10,
        "long_term_stability": 0.69,
        # Per 10,000 children aged 0-17.
        "cin_rate": 330.0,
        "cp_rate": 40.6,
        "cla_rate": 67.0,
        "referral_rate": 519.0,
    }


class HistorySettings(BaseModel):
    """How much history the records must hold before figures that look back years are trusted (definitions.md,
    "Flow and outcomes"): below it a figure says so (status column, lower confidence) rather than compare an
    understated rate with England's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    records_from: date | None = Field(
        default=None, description="The date the council's records are complete from (e.g. the case system's "
        "migration); by default taken as the earliest end date in the table a figure looks back over, since "
        "extracts such as Annex A, the CIN census and the SSDA903 keep ended records only from their window.",
    )
    repeat_cp_plan_years: int = Field(
        default=10, ge=0, description="Repeat CP plans (a child's second or subsequent plan ever, DfE) need this "
        "many years of plans before the period; with less, earlier plans are missing and the rate is understated.",
    )
    long_term_stability_months: int = Field(
        default=30, ge=0, description="Long-term placement stability (looked after 2.5 years or more, DfE) needs "
        "this many months of looked-after history before the as-at date.",
    )


class Costs(BaseModel):
    """What staff cost, for spend, agency premium and the price of the posts a team needs (seed 000)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hourly_rate: dict[str, float] = Field(
        default_factory=lambda: {"permanent": 24.0, "fixed_term": 24.0, "secondee": 24.0, "agency": 39.0},
        description="Cost per hour by employment type, on-costs included (seed 000: permanent £24, agency £39).",
    )
    role_hourly_rate: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Optional overrides by role then employment type, e.g. team_manager: {permanent: 31}.",
    )
    paid_hours_per_fte_year: float = Field(
        default=1924.0, gt=0, description="Hours paid a year for one FTE (37 hours x 52 weeks)."
    )
    budgets: dict[str, float] = Field(
        default_factory=dict,
        description="Social-work staffing budget by financial year, e.g. {'2023-24': 3700000} (seed 000: £3.7m).",
    )

    def rate(self, role: str, employment: str) -> float:
        return self.role_hourly_rate.get(role, {}).get(employment, self.hourly_rate.get(employment, 0.0))


class QualitySettings(BaseModel):
    """Case-audit targets and how manager and independent audits are paired (definitions.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    independent_audits_a_month: int = Field(
        default=25, ge=0, description="Independent case audits expected each month (seed 003: 25)."
    )
    pairing_window_days: int = Field(
        default=90, ge=0,
        description="A manager's and an independent audit of the same child this close in time are a pair.",
    )


class ConfidenceSettings(BaseModel):
    """How a figure's data-confidence grade is set (shown beside every figure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grade_a: float = Field(default=0.99, ge=0, le=1, description="Least field completeness for grade A.")
    grade_b: float = Field(default=0.95, ge=0, le=1, description="Least field completeness for grade B.")
    grade_c: float = Field(default=0.85, ge=0, le=1, description="Least field completeness for grade C.")
    stale_after_days: int = Field(
        default=35, ge=0, description="An extract older than this when loaded lowers its figures' grade."
    )


class AgeBand(BaseModel):
    """An age band of the looked-after-children forecast: from `lower` up to (not including) `upper` years."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lower: int = Field(ge=0, le=18, description="Youngest age in the band, in whole years.")
    upper: int = Field(ge=1, le=18, description="Age at which a child leaves the band, in whole years.")

    @model_validator(mode="after")
    def _ordered(self) -> "AgeBand":
        if self.lower >= self.upper:
            raise ValueError(f"age band {self.lower}-{self.upper} is empty")
        return self

    @property
    def label(self) -> str:
        return f"{self.lower}-{self.upper}"


def _default_age_bands() -> tuple[AgeBand, ...]:
    # The public demand model's brackets (cs-demand-model: birth to 1, 1-5, 5-10, 10-16, 16-18).
    return tuple(AgeBand(lower=lo, upper=hi) for lo, hi in ((0, 1), (1, 5), (5, 10), (10, 16), (16, 18)))


def _default_placement_categories() -> dict[str, tuple[str, ...]]:
    # SSDA903 placement types grouped as the public demand model groups them: foster care U1-U6; children's
    # homes K2 and R1; supported and independent living H5 and P2; anything else (placed with parents, for
    # adoption, secure homes, health, family centres, custody, other) is "other".
    return {
        "fostering": ("U1", "U2", "U3", "U4", "U5", "U6"),
        "residential": ("K2", "R1"),
        "supported": ("H5", "P2"),
    }


class ForecastSettings(BaseModel):
    """The looked-after-children forecast (a daily stock-and-flow model, the public cs-demand-model method) and
    the staffing what-if built on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age_bands: tuple[AgeBand, ...] = Field(
        default_factory=_default_age_bands,
        description="Age bands of the forecast's states, contiguous from 0 to 18 (a child leaves care at 18).",
    )
    placement_categories: dict[str, tuple[str, ...]] = Field(
        default_factory=_default_placement_categories,
        description="Placement categories of the forecast's states by SSDA903 placement type; types not "
        "listed are 'other'.",
    )
    reference_days: int = Field(
        default=365, ge=28, le=3 * 366,
        description="Days before the as-at date whose moves, entries and child-days give the daily rates.",
    )
    horizon_months: int = Field(default=36, ge=1, le=36, description="Months projected (at most three years).")
    band_level: float = Field(
        default=0.95, gt=0, lt=1, description="Probability the forecast's band is meant to hold the outcome."
    )
    rate_uncertainty: bool = Field(
        default=True,
        description="Widen the band by the uncertainty of the fitted rates themselves (each a Poisson count over "
        "the reference period), not only by the chance in who moves at those rates.",
    )
    allocation_ceiling: float = Field(
        default=1.35, ge=1,
        description="Most a practitioner's caseload reaches on average when work waits, as a multiple of their "
        "role's upper caseload standard (1.35: 27 for a social worker; seed 000's workers carried about 25 and "
        "'were unable to take on significant quantities of new work'); cases beyond it wait unallocated. No "
        "national figure: set your own.",
    )
    cover_days: float = Field(
        default=30, gt=0,
        description="Days in which a team with children waiting fills a vacancy (mostly with agency cover), where "
        "the council's history has not seen teams under pressure (pressure_evidence_months). No national figure: "
        "Eastmere's managers buy cover within about a month.",
    )
    pressed_agency_share: float = Field(
        default=0.9, ge=0, le=1,
        description="Share of the vacancies filled in a team with children waiting that agency staff fill, where "
        "the history has not seen pressure. No national figure (agency staff were 18% of England's children's "
        "social workers in 2023, DfE workforce census, many more in teams that cannot recruit): a team that "
        "cannot wait months for a permanent appointment buys locums.",
    )
    pressed_agency_stay_days: float = Field(
        default=60, gt=0,
        description="Days agency staff stay in a team with children waiting, on average, where the history has "
        "not seen pressure: locums take short contracts in a team in difficulty and do not renew them, so its "
        "posts turn over and stand empty between contracts. No national figure: locum contracts in children's "
        "social work commonly run one to three months.",
    )
    leaving_pressure: float = Field(
        default=LEAVING_PRESSURE, ge=0, le=10,
        description="How permanent practitioners' leaving rises with their team's load (its caseload ratio over "
        "its own normal ratio) while children wait: leaving x e^(this x (load - 1)), used where the council's "
        "history has too few worker-months under pressure (pressure_waiting_share) to fit its own (see LEAVING_PRESSURE for the default's source).",
    )
    leaving_pressure_most_load: float = Field(
        default=1.35, ge=1,
        description="The load (caseload ratio over the team's normal) beyond which leaving_pressure raises "
        "leaving no further: 1.35, the most seed 000's teams carried over their usual (x16 at the default "
        "pressure). Where the council's own rise is fitted, the most load its teams under pressure carried. The "
        "curve beyond what any council has shown is not evidence: a team normally at 17 children per worker "
        "pushed to 25 (1.47) would otherwise lose its staff at 43 times the usual rate.",
    )
    restructure_exit_days: tuple[int, int] = Field(
        default=(35, 66),
        description="Days after a restructure (a cut that deletes vacant posts first) over which the staff whose "
        "posts it deleted leave, evenly, holding their cases until then: told their last day after the "
        "redeployment trials and consultation, then their notice (Eastmere's generator: 7-38 days, then 28 "
        "days' notice; synth.scenario.Scenario.restructure_exit_days). No national figure.",
    )
    felt_rise: float = Field(
        default=1.25, gt=1,
        description="The load (caseload ratio over the team's normal) above which its staff feel the pressure "
        "and leave faster even while every child still has a worker: a cut that hands a team the children of its "
        "deleted posts (1.25: a quarter more than usual; Eastmere's generator sends such a team into crisis, "
        "synth.scenario.Scenario.crisis_rise). Below it leaving rises only once children wait, so a team drifting "
        "a little over its usual level holds its staff.",
    )
    pressure_evidence_months: int = Field(
        default=480, ge=0,
        description="Worker-months under pressure (pressure_waiting_share) the history must hold for the "
        "council's own response to pressure to be fitted (480: forty practitioner-years, in which five or six "
        "would leave at a usual 12-15% a year, the fewest in which a rise can be told from chance); fewer take "
        "leaving_pressure, cover_days, pressed_agency_share and pressed_agency_stay_days.",
    )
    pressure_waiting_share: float = Field(
        default=0.05, gt=0, le=1,
        description="Share of a team's open cases waiting for a worker, at two month ends running, at which its "
        "worker-months count as under pressure in the history (the projection's teams are under pressure "
        "whenever children wait). 0.05: the share at which the what-if rates a team red.",
    )
    risk_unallocated_share: float = Field(
        default=0.05, ge=0, le=1,
        description="A team whose projected unallocated cases reach this share of its open cases is rated red.",
    )

    @model_validator(mode="after")
    def _contiguous(self) -> "ForecastSettings":
        bands = self.age_bands
        if not bands or bands[0].lower != 0 or bands[-1].upper != 18:
            raise ValueError("age bands must run from 0 to 18")
        for a, b in zip(bands, bands[1:]):
            if a.upper != b.lower:
                raise ValueError(f"age bands {a.label} and {b.label} are not contiguous")
        if "other" in self.placement_categories:
            raise ValueError("'other' holds every placement type not listed; do not list it")
        return self


class PackSettings(BaseModel):
    """Committee packs (`clearsight pack`): their marking and the council's own targets for RAG."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protective_marking: str = Field(
        default="OFFICIAL-SENSITIVE",
        description="Government Security Classifications marking printed at the top and foot of every page.",
    )
    targets: dict[str, float] = Field(
        default_factory=dict,
        description="The council's target rate for a practice KPI by name, as a fraction (e.g. "
        "{assessment_timeliness = 0.85}); the monthly pack rates each KPI against it: green meeting it, amber "
        "within `amber_points` of it, red beyond. For KPIs counting failures the target is a most.",
    )
    amber_points: float = Field(default=0.05, ge=0, le=1, description="How far short of a target is amber.")


class CouncilConfig(BaseModel):
    """Everything a council may set. Defaults are definitions.md's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    council_name: str | None = Field(
        default=None, description="Name shown on outputs; by default the council named in the loaded extract."
    )
    caseload_standards: dict[str, CaseloadStandard] = Field(
        default_factory=_default_standards,
        description="Caseload standard by worker role, children per FTE.",
    )
    posts_standard_role: str = Field(
        default="social_worker",
        description="Role whose upper standard converts social workers' cases over capacity, and the children "
        "waiting for allocation, into posts needed (seed 002).",
    )
    separate_caseloads: dict[str, SeparateCaseload] = Field(
        default_factory=_default_separate_caseloads,
        description="Caseloads reported apart from the social workers' (whose roles are "
        "`allocation.case_holding_roles` and whose cases are `allocation.allocation_roles`): personal advisers "
        "and IROs by default, each against its own standard.",
    )
    capacity_target: Literal["lower", "upper", "mid"] = Field(
        default="upper",
        description="Which end of each caseload standard capacity aims at: seed 002 uses the upper (20).",
    )
    costs: Costs = Field(default_factory=Costs)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    confidence: ConfidenceSettings = Field(default_factory=ConfidenceSettings)
    span_of_control: CaseloadStandard = Field(
        default=CaseloadStandard(lower=8, upper=10),
        description="Direct reports per team manager (seed 002: 8-10).",
    )
    allocation: AllocationRules = Field(default_factory=AllocationRules)
    workforce: WorkforceSettings = Field(default_factory=WorkforceSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    timescales: Timescales = Field(default_factory=Timescales)
    history: HistorySettings = Field(default_factory=HistorySettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    england: dict[str, dict[str, float]] = Field(
        default_factory=_england_by_year,
        description="England's published figures by publication year, e.g. {'2023': {'turnover_rate': 0.159}} "
        "(workforce census indicators: as at 30 September of the year; others: the year to 31 March), shown "
        "beside the council's figures for the matching year where no benchmark file gives England's.",
    )
    packs: PackSettings = Field(default_factory=PackSettings)
    small_number_threshold: int = Field(
        default=5, ge=0, description="Member-facing outputs suppress counts below this (DfE practice)."
    )
    kpi_targets: dict[str, float] = Field(
        default_factory=dict,
        description="The council's own target for a practice KPI's rate, as a fraction, e.g. {'cp_visits': 0.95}; "
        "for a KPI counting failures (assessments_overdue) the largest share failing it accepts. There is no "
        "national target, so none by default, and a KPI without one has no RAG colour (audiences.md).",
    )
    kpi_amber_margin: float = Field(
        default=0.05, ge=0, le=1,
        description="A KPI this close to its target on the wrong side (a fraction: 0.05 is 5 points) is amber; "
        "further away, red; meeting it, green.",
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
