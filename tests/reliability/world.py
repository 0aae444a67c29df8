"""The world the reliability suite audits: the demo's institutions, their platforms served by the sandbox as a
real HTTP server on loopback, and a configuration file pointing every connector at it — the production path,
with a canary token for every credential so a leak anywhere can be searched for."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.app.outputs import latest_run_dir
from auditor.app.setup import demo_files
from connectors.base import available_connectors
from connectors.sandbox import Sandbox, load_scenario
from connectors.sandbox.server import make_server

DEMO = demo_files()
CANARY = "CANARYf00d7e"  # inside every token of the world: must never be found outside the token itself
AUDITOR = [sys.executable, "-m", "auditor"]


def canary_scenario(faults: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The demo's platforms with the demo's own faults removed, `faults` added, and canary tokens."""
    scenario = load_scenario(DEMO / "sandbox.yaml")
    scenario["faults"] = list(faults or [])
    scenario["tokens"] = {
        (token if token.startswith("{") else f"{CANARY}{n:02d}{token}"): info
        for n, (token, info) in enumerate(scenario["tokens"].items())
    }
    return scenario


@dataclass
class World:
    root: Path
    scenario: dict[str, Any]
    tickets_max_new: int = 20
    sandbox: Sandbox = field(init=False)
    config: Path = field(init=False)
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.sandbox = Sandbox(self.scenario, log_file=self.root / "sandbox-requests.jsonl")
        self.sandbox.server_timeout_seconds = 3.0
        self._server = make_server(self.sandbox, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        tokens = {info["credential"]: token for token, info in self.scenario["tokens"].items()}
        self.env = {}
        lines = [
            f'[store]\npath = "{self.db}"',
            f'[inventory]\npaths = ["{DEMO / "inventory"}"]',
            f'[reports]\nout = "{self.out}"',
            f"[tickets]\nmax_new_per_run = {self.tickets_max_new}",
            f'[tickets.sinks.outbox]\ntype = "outbox"\npath = "{self.outbox}"',
        ]
        for connector in sorted(available_connectors()):
            lines.append(
                f'[connectors.{connector}]\nbase_url = "{url}"\nbackoff_seconds = 0.02\nmax_wait_seconds = 3\n'
                "timeout_seconds = 1.5\nmax_retries = 2\nmax_throttled_retries = 4"
            )
        for name, token in tokens.items():
            var = "TOKEN_" + name.replace("-", "_").upper()
            self.env[var] = token
            lines.append(f'[credentials.{name}]\nenv = "{var}"')
        self.config = self.root / "auditor.toml"
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @property
    def db(self) -> Path:
        return self.root / "audit.db"

    @property
    def out(self) -> Path:
        return self.root / "reports"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def tokens(self) -> list[str]:
        return list(self.scenario["tokens"])

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        from connectors.sandbox import Fault

        self.sandbox.faults = [Fault(**f) for f in faults]

    def add_intruder(self, n: int) -> None:
        """Someone outside the inventory gains full control of the first Page: a new incident finding."""
        page = next(iter(self.sandbox.scenario["meta"]["pages"].values()))
        page.setdefault("assigned_users", []).append({"id": f"9{n:05d}", "name": f"Intruso {n}", "tasks": ["MANAGE"]})

    def audit(self, *args: str, kill_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`auditor audit` in its own process, as cron would run it."""
        env = {**os.environ, **self.env}
        env.pop("AUDITOR_KILL_AT", None)
        if kill_at:
            env["AUDITOR_KILL_AT"] = kill_at
        return subprocess.run(
            [*AUDITOR, *args, "--config", str(self.config), "audit", "--format", "json,csv,html"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what the store says ---------------------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, params).fetchall()

    def runs(self) -> list[tuple[int, str]]:
        return [(r[0], r[1]) for r in self.query("select id, status from runs order by id")]

    def report(self) -> dict[str, Any]:
        folder = latest_run_dir(self.out)
        assert folder is not None, f"no newest run folder under {self.out}"
        data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        return data

    def every_file(self) -> Iterator[Path]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield path
