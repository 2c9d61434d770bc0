"""The Eastmere scenario as parameters: the rules the simulation follows, not the figures it must hit.

Every figure in ../shared/design/scenario.md is meant to *emerge* from these: a caseload-driven leaver hazard,
a recruitment lag, an allocation cap, a crisis that weeks of overload set off in a team (staff leave, locums come
and go, nobody wants to join), and the dated events (the restructure, deepest in two child-in-need teams, which
pushes them into crisis; the inspection and the recovery after it). No date starts the drain: the caseloads do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Scenario:
    """Parameters of one synthetic council (defaults = Eastmere at scale 1)."""

    council: str = "Eastmere"
    """Council name written to the manifest and the population table."""
    sim_start: date = date(2018, 10, 1)
    """First simulated day; six months of warm-up before the reporting window so queues settle."""
    history_start: date = date(2019, 4, 1)
    """Start of the six financial years the story covers."""
    extract_date: date = date(2025, 3, 31)
    """The 'as at' date of the extract; nothing (except targets/due dates) lies after it."""

    child_population: int = 75_000
    """Children aged 0-17 at scale 1."""
    referrals_per_year: float = 3_950.0
    """Referrals a year at scale 1 (new and re-referrals)."""
    contacts_per_year: float = 20_000.0
    """Contacts to the front door a year at scale 1, including those that become referrals."""
    rereferral_share: float = 0.22
    """Share of referrals that re-refer a child referred in the previous 12 months."""
    referral_nfa_share: float = 0.07
    """Referrals closed at the front door with no further action (no assessment)."""
    s47_referral_share: float = 0.25
    """Referrals that start with a strategy discussion (section 47), worked by the assessment teams."""
    assessment_team_share: float = 0.30
    """Share of the other referrals the assessment teams take (the rest go to the locality CIN team)."""

    team_size_most: int = 13
    """Most practitioners in one team: a kind of team whose practitioners would overfill its teams gets more of
    them (`team_size_least`). scenario.md asks for teams of 5-10 workers with one team manager (a span of control
    of 8-10 at most), but Eastmere's story is calibrated at 13: at scale 1 child-in-need teams of 13 and
    children-in-care teams of 12, spans of 11-13 and "1 manager needed" in five or six teams on 31 March 2022
    (half scale has teams of 10 at most either way). At 10 (at scale 1 child-in-need teams of 8 and 5 to a
    locality, children-in-care teams of 9) smaller teams short of staff by chance sit over 25 for four weeks, or
    queue before May 2023, on 4 of seeds 1-10 at scale 1 (2, 3, 6, 7; at 13 only seed 8, its North Child
    Protection Team in June 2022: bench/bench_alert_calibration.py), and the deep-cut eights drain less: on 11
    December 2023 188-299 children waiting against 216-426, May-December 13-22 leavers from them against 20-31
    (seeds 1-5), and seed 1's depleted teams carry 22.7 per FTE on 15 December 2023, under the README's 23."""
    team_size_least: int = 5
    """Fewest practitioners in a locality's second team of a kind: the first keeps the rest up to
    `team_size_most` (at 10 and scale 1: child-in-need teams of 8 and 5). With 7 and 6 the drain is a third
    smaller (196-213 waiting on 11 December 2023, 7-18 leavers) and seeds 3, 4 and 5 alert before May 2023; with
    10 and 3 the threes run over 25 in 2022 on seeds 2, 3 and 5."""

    allocation_cap: float = 30.0
    """Most children a full-time social worker can be given; beyond it new work waits with the manager."""
    allocation_pace_days: tuple[float, float] = (2.0, 5.0)
    """How fast a team manager fills practitioners' room, in working days: room below the standard caseload at
    the first pace, room above it (up to the cap) at the second. Each working day the team can allocate the sum
    over its practitioners in post (not away, not working their notice) of room / pace, oldest first, child
    protection and looked-after children ahead: an empty-handed starter takes about ten children on the first
    day, a worker at the standard two or three, one two short of the cap one every two or three days. While
    the team has room the work is allocated the day it arrives; when caseloads near the cap the waiting list
    grows by the day (not by whole caseloads at once) and caseloads settle where the children closing make
    room as fast as the manager fills it (25-27 in a team that has lost a third of its staff)."""
    notice_days_permanent: int = 28
    """Notice a permanent worker gives before leaving (or before maternity leave); they take no new children
    meanwhile and hand theirs back over its last days (`handback_working_days`)."""
    handback_working_days: int = 10
    """A worker working their notice keeps their children until its last this many working days and hands them
    back over those (closing summaries, transfer visits): a team losing staff still carries their caseloads until
    they go (in the two deep-cut teams late in 2023 a worker on notice carries about 16 per weighted FTE, not
    13 as when the children went back over the whole notice)."""
    handover_caseload: float = 24.0
    """A leaver's children are handed over to the colleague with most room while one carries fewer than this
    (for a full-time social worker: scaled by the cap of their role and hours); beyond it they wait for the
    manager to re-allocate them at the allocation pace."""
    notice_days_agency: int = 7
    """Notice an agency worker gives (a week)."""
    standard_caseload: float = 18.0
    """Caseload at which work goes at normal speed and nobody is pushed to leave."""
    realloc_queue_delay: int = -20
    """Days a case waiting for re-allocation (it already had a worker) queues behind new work of the same age
    (negative: ahead of it; managers re-allocate children they know first)."""
    induction_days: int = 28
    """A new permanent starter's allocation cap ramps up from `induction_share` to full over this many days
    (agency locums are given a full caseload from the start)."""
    induction_share: float = 0.7
    """Share of the cap a new starter can take on day one (protected caseload during induction)."""
    role_weight_asye: float = 0.65
    """ASYE share of a social worker's cap (protected caseload)."""
    role_weight_senior: float = 0.85
    """Senior practitioner share of the cap (they also supervise and consult)."""

    turnover_permanent: float = 0.14
    """Annual leave hazard of permanent staff in steady state."""
    turnover_agency: float = 0.30
    """Annual leave hazard of agency staff in steady state."""
    agency_fill_share: float = 0.18
    """Share of vacancies filled by agency staff in steady state (gives ~20% agency in post)."""
    pressure_threshold: float = 1.3
    """Caseload per FTE, as a multiple of the standard, above which the leave hazard starts to rise."""
    pressure_exponent: float = 3.0
    """Leave hazard multiplies by (load / threshold) ** this above the threshold (load = caseload / standard,
    """
    pressure_max: float = 2.5
    """Most the caseload pressure can multiply the leave hazard by."""
    cover_wait_days: int = 14
    """A team whose waiting list holds cases older than this asks for agency cover for every vacancy."""
    cover_wait_cases: int = 3
    """... when more than this many cases have waited that long."""
    cover_caseload: float = 25.0
    """... or when its practitioners carry more than this per weighted FTE on average."""
    permanent_lag_days: tuple[int, int] = (90, 180)
    """Recruitment lag for a permanent replacement (3-6 months)."""
    agency_lag_days: tuple[int, int] = (21, 70)
    """Lag for an agency replacement in normal times."""

    restructure_date: date = date(2023, 4, 1)
    """Service restructure: posts deleted, establishment cut."""
    restructure_cut: float = 0.15
    """Share of social-work posts deleted at the restructure, across the practice teams."""
    restructure_deep_cut: float = 0.5
    """Share of the posts deleted in each of the two child-in-need teams the review cut deepest (the first two
    localities'; Team.deep_cut): the other practice teams share the rest of `restructure_cut` (about 12% each).
    Their children per worker rise from about 13-16 to about 25-28, past the crisis level below."""
    restructure_exit_days: tuple[int, int] = (7, 38)
    """Days after the restructure date on which the staff whose posts it deleted are told their last day and
    start working their notice: agency bookings run to their end, permanent staff stay through the redeployment
    trials and redundancy consultation (typically up to 12 weeks); until then they keep their children."""
    crisis_caseload: float = 24.0
    """A case-holding team whose practitioners carry more than this per weighted FTE on average ..."""
    crisis_rise: float = 1.25
    """... and either more than this multiple of the caseload they are used to (a cut team whose staff take on
    the children of the deleted posts feels the rise even while its manager still finds each child a worker; a
    team that has always run high, as the child protection teams do at 25-30, does not), or with more than
    `cover_wait_cases` children waiting longer than `cover_wait_days` for a worker (the agency cover it asked
    for has not caught up) ..."""
    crisis_weeks: int = 6
    """... week after week for this many weeks, goes into crisis; a team in crisis comes out of it when it has
    had neither children waiting that long nor the risen caseload for this many weeks running, or at the
    inspection. In the steady years a team short of staff has had the caseload and the waiting for five weeks
    at the most (seeds 1-5 at half scale). The rise counts only in a team whose posts the restructure cut
    (Team.cut): a small team that loses two workers by chance rises as far, and its staff are not leaving a
    service that has just cut it. The two deep-cut child-in-need teams go into crisis between June and
    October 2023 (seeds 1-5 at scale 1 and half scale)."""
    crisis_usual_days: float = 365.0
    """The caseload a team is used to: its own, averaged over about this many days (exponentially, weekly)."""
    crisis_multiplier: float = 25.0
    """Leave hazard multiplier of permanent staff in a team in crisis (about 3.5 a year: most of its permanent
    staff go within months, as seed 000's two teams' did)."""
    crisis_agency_multiplier: float = 3.0
    """Leave hazard multiplier of agency staff in a team in crisis."""
    crisis_agency_stay_days: tuple[int, int] = (28, 56)
    """Agency staff who join a team in crisis take short contracts and do not renew them: they come, and leave
    again, after this many days (four to eight weeks: locum contracts commonly run one to three months, and a
    team in crisis does not keep them). With the quick cover below its posts turn over every two months or
    so: with its permanent staff leaving, 20-31 practitioners leave the two deep-cut teams May-December 2023
    (seeds 1-5 at scale 1: 20, 24, 31, 22, 24), the papers' "about 30"."""
    crisis_lag_days: tuple[int, int] = (100, 190)
    """Recruitment lag of a permanent replacement in a team in crisis (nobody wants to join it)."""
    crisis_agency_lag_days: tuple[int, int] = (5, 15)
    """Lag for agency cover in a team in crisis (the council books locums at once; the posts do not stand empty
    for long, they turn over)."""
    crisis_agency_share: float = 0.9
    """Share of vacancies in a team in crisis filled by agency staff."""
    service_unrest_multiplier: float = 1.05
    """Leave hazard multiplier elsewhere between the restructure and the inspection."""
    inspection_date: date = date(2024, 2, 5)
    """Ofsted inspection: every crisis ends and recovery starts."""
    recovery_team_starts: tuple[date, date] = (date(2024, 2, 19), date(2024, 3, 4))
    """Start dates of the two extra (agency) teams."""
    recovery_team_size: int = 3
    """Practitioners in each recovery team (scaled)."""
    recovery_agency_lag_days: tuple[int, int] = (7, 28)
    """Agency cover lag after the inspection."""
    recovery_extra_posts: int = 0
    """Posts added back to each team in crisis at the inspection."""
    recovery_caseload: float = 23.0
    """After the inspection, case-holding teams carrying more than this per weighted FTE get agency posts
    added until they would carry about this."""

    cp_plan_days: tuple[tuple[int, int, float], ...] = (
        (45, 91, 0.159), (92, 182, 0.110), (183, 365, 0.435), (366, 730, 0.252), (731, 1100, 0.044))
    """How long child protection plans last: (shortest, longest days, share) bands, the length drawn uniformly
    within its band. DfE Children in need 2025, table D7: of the 62,300 plans ending in England in 2024-25,
    15.9% lasted 3 months or less, 11.0% 3-6 months, 43.5% 6 months to a year, 25.2% 1-2 years, 4.4% 2 years
    or more (so about 2% of the plans open at 31 March have lasted two years)."""
    cp_history_children: int = 900
    """Children (at scale 1) whose child protection plan ended in the years before the simulation starts, with
    those records in the extract: the earlier plans that make a later one a repeat."""
    returning_cp_share: float = 0.09
    """Share of new referrals that are about a child who had a child protection plan before (harm recurs in
    some families) ..."""
    returning_s47_share: float = 0.55
    """... whose referral starts a section 47 enquiry with this chance (others: `s47_referral_share`) ..."""
    returning_icpc_share: float = 0.55
    """... which leads to an initial conference with this chance: so about a quarter of new plans are second or
    later plans (DfE Children in need 2025: 24.5% in England)."""
    placement_unstable_share: float = 0.15
    """Share of children starting care whose placements keep breaking down ..."""
    placement_gap_days: tuple[float, float] = (3500.0, 120.0)
    """... mean days between placement moves for the settled children and for those (exponential) ..."""
    placement_early_move_share: float = 0.3
    """... and the share moved once in their first four months (an emergency placement, then a planned one).
    Together: about one looked-after child in ten has three or more placements in a year and about 69% of those
    under 16 looked after for 2.5 years have been in the same placement for two (DfE SSDA903, England 2025:
    10% and 69%)."""
    missing_share: float = 0.11
    """Share of looked-after episodes in which the child goes missing or away from placement (DfE: about one
    looked-after child in nine went missing in 2023-24) ..."""
    missing_incidents: tuple[int, int] = (1, 6)
    """... that many times (fewest, most), each lasting 0 to 3 days ..."""
    away_share: float = 0.2
    """... each time away from placement without authorisation (903 'A') with this chance, else missing ('M')."""

    visit_standard_wd: dict[str, int] | None = None
    """Visit standards in working days (CIN 20, CP 10); CLA/PA handled in days."""
    visit_gap_share: tuple[tuple[str, float], ...] = (("CIN", 0.25), ("CP", 0.45), ("CLA", 0.25))
    """Usual gap between statutory visits as a share of the standard, for a worker at or under the standard
    caseload ..."""
    visit_load_exponent: tuple[tuple[str, float], ...] = (("CIN", 3.0), ("CP", 1.0), ("CLA", 3.0))
    """... the gap multiplies by (caseload / standard) ** this above the standard ..."""
    visit_pressure_push: float = 16.0
    """... and by 1 + this x the share of the locality's open cases waiting for a worker (the service's, for
    teams outside the localities): practitioners cover duty and the cases their managers hold."""
    assessment_work_days: float = 19.0
    """Median working days of work in an assessment at the standard caseload."""
    assessment_work_spread: float = 0.6
    """Log-scale spread of that work (lognormal sigma): most assessments are straightforward, some (several
    agencies to hear from, a family hard to engage) take far longer."""
    assessment_load_drag: float = 1.0
    """An assessment progresses at 1 / (1 + this x (caseload ratio - 1)) of the normal rate above the standard."""
    low_priority_share: float = 0.5
    """Share of new referrals (not section 47) the team manager triages as lower risk ..."""
    low_priority_queue_delay: int = 43
    """... which, when there is a waiting list, queue behind higher-risk new work up to this many days younger:
    managers allocate by risk, so when work waits the lower-risk children wait longest."""
    blitz_start: date = date(2024, 2, 19)
    """After the inspection managers and agency staff clear the backlog: from this day, ..."""
    blitz_days: int = 56
    """... for this many days, ..."""
    blitz_weekly_share: float = 0.3
    """... each week this share of the open assessments already past 40 working days is completed."""
    independent_audits_per_month: float = 25.0
    """Independent (QA unit) case audits a month at scale 1."""
    audit_pressure_push: float = 6.0
    """Practice on every case in a locality slips as the share of its children waiting for a worker rises
    (practitioners cover duty and the cases their managers hold, as `visit_pressure_push`): an audit's grade falls
    by this x that share, in standard deviations of the practice score. With a fifth of a locality's children
    waiting its cases grade a standard deviation lower: independent audits find 21-30% of cases inadequate
    April-December 2023 against 14-17% in 2021-22 (seeds 1-3 at scale 1; seed 000's "a third")."""
    audit_moderation_share: float = 0.4
    """Share of the independent audits that moderate a case a manager audited in the last two months."""
