"""Building a run's connection to the platforms: from the configuration, or from the built-in sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from auditor.config import Config, ConnectorSettings
from auditor.credentials import Credentials
from auditor.observe import LiveSetup
from connectors.base import available_connectors
from connectors.sandbox import Sandbox, load_scenario


def live_from_config(config: Config) -> LiveSetup:
    """Real platforms: connector classes from entry points, credentials by reference, settings per connector."""
    return LiveSetup(
        connectors=available_connectors(),
        credentials=Credentials(refs=config.credentials),
        settings=dict(config.connectors),
        account_deadline_seconds=config.audit.account_deadline_seconds,
        run_deadline_seconds=config.audit.run_deadline_seconds,
        lookalike_lookups_per_account=config.audit.lookalike_lookups_per_account,
    )


def sandbox_credentials(scenario: dict[str, Any]) -> Credentials:
    """The sandbox's fictional tokens, by the credential names the demo inventory uses."""
    literals = {
        str(info["credential"]): str(token)
        for token, info in (scenario.get("tokens") or {}).items()
        if isinstance(info, dict) and info.get("credential")
    }
    return Credentials(literals=literals)


def live_from_sandbox(
    sandbox: Sandbox, *, url: str | None = None, settings: dict[str, ConnectorSettings] | None = None
) -> LiveSetup:
    """Every connector pointed at the sandbox: in-process transport, or a sandbox server at `url`."""
    connectors = available_connectors()
    fast = ConnectorSettings(backoff_seconds=0.05, max_wait_seconds=5.0, timeout_seconds=5.0)
    merged = {name: (settings or {}).get(name, fast) for name in connectors}
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    if url:
        merged = {name: s.model_copy(update={"base_url": url}) for name, s in merged.items()}
    else:
        transports = {name: sandbox.transport() for name in connectors}
    return LiveSetup(
        connectors=connectors, credentials=sandbox_credentials(sandbox.scenario), settings=merged, transports=transports
    )


def load_sandbox(path: str | Path, request_log: Path | None = None) -> Sandbox:
    return Sandbox(load_scenario(path), log_file=request_log)
