"""The roles a person signs in to Clearsight with (../shared/design/audiences.md): what the web application's
access rules and the `clearsight users` command both name, kept here so the command line need not import the
web application to list them."""

from __future__ import annotations

from typing import Literal

Role = Literal["administrator", "analyst", "director", "team_manager", "member"]
ROLES: tuple[Role, ...] = ("administrator", "analyst", "director", "team_manager", "member")
ROLE_WORDS = {"administrator": "administrator", "analyst": "performance analyst",
              "director": "director / head of service", "team_manager": "team manager", "member": "elected member"}
