"""Alert rules, owners, deadlines, escalation and delivery: the settings of early warning (issue 17).

Seed 000: "no specific alert was given" while 30 social workers left two teams; scrutiny asked for "a system for
escalating the failure to provide such information" with a timescale. A rule names a registered metric, the rows
it watches (council, service, team or worker), a condition, a severity, the role that owns the response, the
working days it has to respond and the chain it climbs when it does not. The built-in rules are the TOML file
`alerts.toml` beside this module; a council's own file overrides them rule by rule and field by field.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
Comparison = Literal[">", ">=", "<", "<="]
AlertScope = Literal["council", "service", "team", "worker"]

# Seed 000's chain of people who should have known, in the order an unanswered alert climbs it.
DEFAULT_ESCALATION = ("team_manager", "service_manager", "head_of_service", "director", "lead_member")


def _default_roles() -> dict[str, str]:
    return {
        "team_manager": "team manager",
        "service_manager": "service manager",
        "head_of_service": "head of service",
        "director": "director of children's services",
        "lead_member": "lead member for children's services",
        "chief_operating_officer": "chief operating officer",
        "performance_analyst": "performance analyst",
        "scrutiny_officer": "scrutiny officer",
    }


class _Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(_Condition):
    """The figure compared with a limit on the day."""

    kind: Literal["threshold"] = Field(description="A figure against a limit on the day.")
    op: Comparison = Field(default=">", description="How the figure is compared with the limit.")
    value: float | str = Field(
        description="The limit: a number, or the name of a column of the same row (e.g. standard_upper)."
    )
    factor: float = Field(
        default=1.0, gt=0, description="The limit is `value` times this: 1.05 is five per cent over a standard, "
        "so a rule can say how far over the line is worth whose time."
    )


class Sustained(Threshold):
    """The threshold held at every reading over the last `days` days (readings `reading_days` apart)."""

    kind: Literal["sustained"] = Field(description="A threshold held for a number of days.")  # type: ignore[assignment]
    days: int = Field(ge=1, description="Days the threshold must have held, read every `alerts.reading_days`.")


class RateOfChange(_Condition):
    """The figure now minus the figure `days` earlier, against a change (negative for a fall)."""

    kind: Literal["rate_of_change"] = Field(description="The change in a figure over a number of days.")
    op: Comparison = Field(default=">=", description="How the change is compared with `change`.")
    change: float = Field(description="The change that raises the alert (a rate's change in its own units).")
    days: int = Field(ge=1, description="Days over which the change is measured.")


class Discrepancy(_Condition):
    """Two figures of the same row that should agree, e.g. a team's own return against the records."""

    kind: Literal["discrepancy"] = Field(description="Two columns of a row that should agree.")
    compare: str = Field(description="The column the rule's column is set against.")
    tolerance: float = Field(default=0, ge=0, description="Largest difference tolerated.")


class ConfidenceFalling(_Condition):
    """The figure's data-confidence grade (completeness and plausibility of what it reads) below a grade."""

    kind: Literal["confidence_falling"] = Field(description="The figure's data-confidence grade falls.")
    below: Literal["A", "B", "C"] = Field(
        default="B", description="The alert is raised when the grade is worse than this (A best, D worst)."
    )


Condition = Annotated[
    Threshold | Sustained | RateOfChange | Discrepancy | ConfidenceFalling, Field(discriminator="kind")
]


class AlertRule(BaseModel):
    """One early-warning rule: which figure, whose rows, what condition, who answers, by when, and who next."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(description="What the alert says in words, e.g. 'Child on a CP plan or looked after "
                       "waiting for a social worker'.")
    metric: str = Field(description="The registered metric read (`clearsight metrics list`).")
    column: str | None = Field(
        default=None, description="The metric's column holding the figure (not needed to count rows)."
    )
    aggregate: Literal["value", "count", "max", "sum"] = Field(
        default="value", description="value: the row's own figure (one row per council, service, team or "
        "worker); count, max, sum: over a list metric's rows (e.g. children waiting) for each council, service, "
        "team or worker.",
    )
    where: dict[str, tuple[str | int | float | bool, ...]] = Field(
        default_factory=dict, description="Only rows whose column holds one of these values, e.g. "
        "{legal_status = ['CP', 'CLA']}.",
    )
    exclude: dict[str, tuple[str | int | float | bool, ...]] = Field(
        default_factory=dict, description="Rows whose column holds one of these values are left out, e.g. "
        "{leave_reason = ['restructure']} (posts deleted on purpose are not a team draining).",
    )
    records_metric: str | None = Field(
        default=None, description="A list metric whose rows (of the alert's team, service or the council, over "
        "the same period) are the records behind a figure that lists none of its own, e.g. optimism_gap_pairs "
        "behind the audit optimism gap.",
    )
    records_where: dict[str, tuple[str | int | float | bool, ...]] = Field(
        default_factory=dict, description="Only the `records_metric` rows whose column holds one of these values, "
        "e.g. {employment = ['agency']} for the agency workers behind an agency rate.",
    )
    scope: AlertScope = Field(description="Whose figure: the council, each service, each team or each worker.")
    period_days: int | None = Field(
        default=None, ge=1, description="For a period metric (e.g. leavers): the days up to and including the "
        "date it counts over.",
    )
    condition: Condition = Field(description="When the alert is raised (kind: threshold, sustained, "
                                 "rate_of_change, discrepancy, confidence_falling).")
    severity: Severity = Field(description="low, medium, high or critical: sets how it is delivered.")
    owner_role: str = Field(default="team_manager", description="The role that must respond first.")
    response_working_days: int = Field(
        ge=1, description="Working days the owner has to acknowledge and record an action before it escalates."
    )
    escalation: tuple[str, ...] = Field(
        default=DEFAULT_ESCALATION, min_length=1,
        description="Roles in the order an unanswered alert climbs, from the owner up.",
    )
    clear_days: int = Field(
        default=14, ge=0, description="Days the condition must have been clear before the alert resolves itself "
        "(so a figure hovering at the line does not raise and resolve it every day).",
    )
    enabled: bool = Field(default=True, description="False switches a built-in rule off.")

    @model_validator(mode="after")
    def _consistent(self) -> AlertRule:
        if self.aggregate != "count" and self.column is None and self.condition.kind != "confidence_falling":
            raise ValueError(f"column: needed with aggregate '{self.aggregate}' (which column holds the figure?)")
        if self.owner_role not in self.escalation:
            raise ValueError(f"owner_role: {self.owner_role!r} is not in the escalation chain "
                             f"{', '.join(self.escalation)}")
        if self.condition.kind == "discrepancy" and self.aggregate != "value":
            raise ValueError("condition: a discrepancy compares two columns of one row: use aggregate 'value'")
        return self

    def after(self, role: str) -> str | None:
        """The next role up the chain from `role` (None at its top)."""
        i = self.escalation.index(role)
        return self.escalation[i + 1] if i + 1 < len(self.escalation) else None


Digest = Literal["immediate", "daily"]


def _default_digest() -> dict[str, Digest]:
    return {"low": "daily", "medium": "daily", "high": "immediate", "critical": "immediate"}


class DeliverySettings(BaseModel):
    """Where alerts go besides each user's inbox: email over SMTP and a signed webhook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recipients: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Email addresses by role, e.g. {director = ['dcs@example.gov.uk']}.",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server; none: no email is sent.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    sender: str = Field(default="clearsight@localhost", description="The From address of alert emails.")
    webhook_url: str | None = Field(default=None, description="URL each alert event is POSTed to as JSON.")
    webhook_secret_env: str = Field(
        default="CLEARSIGHT_WEBHOOK_SECRET", description="Environment variable holding the webhook's HMAC key "
        "(never the key itself in the settings file).",
    )
    base_url: str = Field(
        default="http://localhost:8000", description="Clearsight's web address, for the links in messages.",
    )
    digest: dict[Severity, Digest] = Field(
        default_factory=_default_digest, description="immediate (one message per event) or daily (one digest a "
        "day) for each severity.",
    )


class RegisterSettings(BaseModel):
    """Deadlines and flags of the registers that share the alerts' owners and escalation (issue 17 item 5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    concern_working_days: int = Field(
        default=20, ge=1, description="Working days to respond to a staff concern or grievance (ACAS Code of "
        "Practice: without unreasonable delay; 20 is a local standard).",
    )
    concern_escalation: tuple[str, ...] = Field(
        default=("head_of_service", "chief_operating_officer", "lead_member"), min_length=1,
        description="Who a staff concern goes to, in order: open past its deadline it climbs to the next.",
    )
    concerns_from_one_team: int = Field(
        default=3, ge=2, description="This many concerns from one team within `concerns_window_days` go to the "
        "chief operating officer and the lead member at once.",
    )
    concerns_window_days: int = Field(default=91, ge=1, description="Window for counting concerns from one team.")
    scrutiny_working_days: int = Field(
        default=20, ge=1, description="Working days to answer a scrutiny information request when none is set.",
    )
    scrutiny_escalation: tuple[str, ...] = Field(
        default=("head_of_service", "director", "lead_member"), min_length=1,
        description="Who an unanswered scrutiny request climbs to, in order.",
    )
    change_review_working_days: int = Field(
        default=65, ge=1, description="Working days after a proposed service change takes effect by which its "
        "owner reviews the KPIs it named.",
    )


@lru_cache(maxsize=1)
def default_rules() -> dict[str, dict[str, Any]]:
    """The built-in rules as read from `alerts.toml` (raw, before validation)."""
    text = resources.files("clearsight.config").joinpath("alerts.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["rules"]


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` laid on `base` key by key, nested tables merged ("condition" replaced whole: its kind decides its
    fields)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "condition":
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


class AlertSettings(BaseModel):
    """The rules and where their alerts go; a council's `[alerts.rules.NAME]` tables override the built-ins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: dict[str, str] = Field(
        default_factory=_default_roles, description="The roles alerts are owned by and escalate to, in words."
    )
    rules: dict[str, AlertRule] = Field(
        default_factory=lambda: {k: AlertRule.model_validate(v) for k, v in default_rules().items()},
        description="Alert rules by name (built-ins in clearsight/config/alerts.toml).",
    )
    reading_days: int = Field(
        default=7, ge=1, le=31, description="Days between readings of a figure when a condition looks back "
        "(sustained, rate of change, clearing) and between a replay's evaluations (its --step default).",
    )
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    registers: RegisterSettings = Field(default_factory=RegisterSettings)

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("rules"), dict):
            rules = {k: dict(v) for k, v in default_rules().items()}
            for name, given in data["rules"].items():
                rules[name] = _merged(rules.get(name, {}), given) if isinstance(given, dict) else given
            data = {**data, "rules": rules}
        return data

    @model_validator(mode="after")
    def _known_roles(self) -> AlertSettings:
        for name, rule in self.rules.items():
            unknown = [r for r in rule.escalation if r not in self.roles]
            if unknown:
                raise ValueError(f"rules.{name}.escalation: unknown role {unknown[0]!r}; roles: "
                                 f"{', '.join(self.roles)} (add it under [alerts.roles])")
        for field in ("concern_escalation", "scrutiny_escalation"):
            unknown = [r for r in getattr(self.registers, field) if r not in self.roles]
            if unknown:
                raise ValueError(f"registers.{field}: unknown role {unknown[0]!r}")
        return self

    @property
    def active(self) -> dict[str, AlertRule]:
        return {name: rule for name, rule in self.rules.items() if rule.enabled}
