"""Sending alert events: email over SMTP and a signed webhook, at once or in a daily digest by severity.

Seed 000: concerns "never reached" the people who should have known. Each undelivered event (raised, escalated,
resolved, ...) goes to the addresses of the role it concerns (`alerts.delivery.recipients`) and to the webhook;
severities set to "daily" wait for the day's digest. A message names the figure, whose it is, who must answer by
when, and links to the alert in Clearsight; it never carries a child's name or record: the records stay behind
the link, where access is checked and logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage

from clearsight.alerts.store import Alert, AlertStore, Event
from clearsight.config import CouncilConfig

SIGNATURE_HEADER = "X-Clearsight-Signature"


@dataclass(frozen=True)
class Message:
    to: tuple[str, ...]
    subject: str
    body: str


def alert_link(config: CouncilConfig, alert: Alert) -> str:
    return f"{config.alerts.delivery.base_url.rstrip('/')}/alerts/{alert.alert_id}"


def event_line(config: CouncilConfig, alert: Alert, event: Event) -> str:
    """One event in words, with the figure and the link (no record ids, no names of children)."""
    from clearsight.reports.alerts import figure_words, role_words

    what = {"raised": "raised", "escalated": f"escalated to the {role_words(config, event.role)}",
            "resolved": "resolved", "acknowledged": "acknowledged", "action": "action recorded"}.get(
        event.event, event.event)
    due = f"; answer by {event.due_on.isoformat()}" if event.due_on and alert.is_open else ""
    return (f"{alert.title} - {alert.entity_name}: {figure_words(alert)}. {what.capitalize()} on "
            f"{event.day.isoformat()}, with the {role_words(config, event.role or alert.owner_role)}{due}. "
            f"{len(alert.records)} records behind it: {alert_link(config, alert)}")


def _recipients(config: CouncilConfig, role: str | None) -> tuple[str, ...]:
    return config.alerts.delivery.recipients.get(role or "", ())


def messages(config: CouncilConfig, store: AlertStore, events: list[Event], *, digest: bool) -> list[Message]:
    """Emails for `events`: one per event for immediate severities; with `digest`, one per recipient gathering
    the daily severities' events."""
    alerts = {a.alert_id: a for a in store.alerts()}
    out, daily = [], defaultdict(list)
    for e in events:
        alert = alerts[e.alert_id]
        to = _recipients(config, e.role or alert.owner_role)
        if not to:
            continue
        if config.alerts.delivery.digest.get(alert.severity) == "immediate":  # type: ignore[call-overload]
            out.append(Message(to, f"[Clearsight] {alert.severity}: {alert.title} - {alert.entity_name}",
                               event_line(config, alert, e)))
        elif digest:
            for address in to:
                daily[address].append(event_line(config, alert, e))
    for address, lines in daily.items():
        out.append(Message((address,), f"[Clearsight] daily digest: {len(lines)} alert events",
                           "\n\n".join(lines)))
    return out


def send_email(config: CouncilConfig, outgoing: list[Message]) -> int:
    d = config.alerts.delivery
    if not outgoing or d.smtp_host is None:
        return 0
    with smtplib.SMTP(d.smtp_host, d.smtp_port, timeout=30) as smtp:
        for m in outgoing:
            email = EmailMessage()
            email["From"], email["To"], email["Subject"] = d.sender, ", ".join(m.to), m.subject
            email.set_content(m.body)
            smtp.send_message(email)
    return len(outgoing)


def signature(secret: bytes, body: bytes) -> str:
    """The webhook's signature header value: HMAC-SHA256 of the body under the shared secret."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def webhook_payload(config: CouncilConfig, alert: Alert, event: Event) -> dict[str, object]:
    return {
        "event": event.event, "day": event.day.isoformat(), "role": event.role, "due_on":
        event.due_on.isoformat() if event.due_on else None, "alert_id": alert.alert_id, "council": alert.council,
        "rule": alert.rule, "kind": alert.kind, "title": alert.title, "whose": alert.entity_name,
        "severity": alert.severity, "value": alert.value, "threshold": alert.threshold,
        "records": len(alert.records), "link": alert_link(config, alert),
    }


def post_webhook(config: CouncilConfig, store: AlertStore, events: list[Event]) -> int:
    """POST each event as JSON, signed with the secret from the environment variable the settings name."""
    d = config.alerts.delivery
    if d.webhook_url is None or not events:
        return 0
    secret = os.environ.get(d.webhook_secret_env)
    if not secret:
        raise RuntimeError(f"the webhook needs its secret in ${d.webhook_secret_env}")
    alerts = {a.alert_id: a for a in store.alerts()}
    for e in events:
        body = json.dumps(webhook_payload(config, alerts[e.alert_id], e)).encode()
        request = urllib.request.Request(d.webhook_url, body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(secret.encode(), body)})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    return len(events)


def deliver(store: AlertStore, *, digest: bool = False) -> tuple[int, int]:
    """Send every undelivered event (daily severities only with `digest`) and mark them delivered: (emails,
    webhook posts)."""
    config = store.config
    events = store.events(undelivered=True)
    alerts = {a.alert_id: a for a in store.alerts()}
    due = [e for e in events
           if digest or config.alerts.delivery.digest.get(alerts[e.alert_id].severity) == "immediate"]  # type: ignore[call-overload]
    emails = send_email(config, messages(config, store, due, digest=digest))
    posts = post_webhook(config, store, due)
    store.mark_delivered(due)
    return emails, posts
