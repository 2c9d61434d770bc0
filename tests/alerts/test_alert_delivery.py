"""Delivery: emails reach a loopback SMTP server (aiosmtpd), the webhook a loopback HTTP receiver with a valid
HMAC-SHA256 signature; daily severities wait for the digest; no message carries a child's name or record id."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from clearsight.alerts.delivery import SIGNATURE_HEADER, deliver, signature
from clearsight.alerts.store import AlertStore
from clearsight.config import CouncilConfig
from clearsight.store.database import create_alert_tables

CHILD_NAME = "Amelia Bright"
SECRET = "s3cret-for-tests"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = f"Subject: {message['Subject']}\n\n{message.get_content()}"
        self.messages.append((list(envelope.rcpt_tos), text))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd checks it is up by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def receiver():
    received: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers[SIGNATURE_HEADER]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, server.server_address[1]
    server.shutdown()


def _store(smtp_port: int, webhook_port: int) -> AlertStore:
    config = CouncilConfig.model_validate({"alerts": {"delivery": {
        "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "sender": "clearsight@testshire.gov.uk",
        "recipients": {"team_manager": ["tm@testshire.gov.uk"], "service_manager": ["sm@testshire.gov.uk"]},
        "webhook_url": f"http://127.0.0.1:{webhook_port}/hook", "base_url": "https://clearsight.testshire.gov.uk",
    }}})
    con = duckdb.connect()
    create_alert_tables(con)
    return AlertStore(con, config)


def test_immediate_email_and_signed_webhook_then_the_daily_digest(smtp, receiver, monkeypatch):
    inbox, smtp_port = smtp
    received, webhook_port = receiver
    monkeypatch.setenv("CLEARSIGHT_WEBHOOK_SECRET", SECRET)
    store = _store(smtp_port, webhook_port)
    critical = store.raise_alert(
        council="Testshire", kind="rule", rule="unallocated_cp_cla", entity="team:A", entity_name="Team A",
        title="Child on a CP plan or looked after waiting for a social worker", severity="critical",
        owner_role="team_manager", escalation=("team_manager", "service_manager"), response_working_days=1,
        day=date(2023, 6, 1), value=2, threshold=0,
        evidence={"kind": "threshold", "column": None, "records": ["C17", "C18"], "child": CHILD_NAME})
    store.raise_alert(
        council="Testshire", kind="rule", rule="newly_qualified", entity="team:A", entity_name="Team A",
        title="A third or more of a team's practitioners newly qualified", severity="low",
        owner_role="team_manager", escalation=("team_manager",), response_working_days=20, day=date(2023, 6, 1),
        value=0.5, threshold=0.333, evidence={"kind": "threshold", "column": "asye_share", "records": []})

    assert deliver(store) == (1, 1)  # the critical one at once; the low one waits for the digest
    [(to, text)] = inbox.messages
    assert to == ["tm@testshire.gov.uk"]
    assert "Subject: [Clearsight] critical: Child on a CP plan or looked after waiting for a social worker" in text
    assert "2 (line 0)" in text and "https://clearsight.testshire.gov.uk/alerts/1" in text
    assert CHILD_NAME not in text and "C17" not in text
    [(body, signed)] = received
    assert signed == signature(SECRET.encode(), body)
    payload = json.loads(body)
    assert (payload["event"], payload["alert_id"], payload["records"]) == ("raised", critical.alert_id, 2)
    assert CHILD_NAME not in body.decode() and "C17" not in body.decode()

    assert deliver(store) == (0, 0)  # nothing new
    store.escalate_due(date(2023, 6, 5))  # due Fri 2 June: to the service manager on Monday 5th
    assert deliver(store) == (1, 1)
    assert inbox.messages[-1][0] == ["sm@testshire.gov.uk"] and "Escalated to the service manager" in \
        inbox.messages[-1][1]
    assert deliver(store, digest=True) == (1, 1)
    assert "daily digest: 1 alert events" in inbox.messages[-1][1] and "50% (line 33%)" in inbox.messages[-1][1]
