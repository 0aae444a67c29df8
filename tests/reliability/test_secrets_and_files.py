"""Secrets and files: every platform's token carries a canary; after audits through failing platforms with
debug logging (text and JSON), the canary is nowhere — not in the logs, any table of the store (nor its WAL),
the reports, the tickets, the errors recorded, nor the sandbox's own request log. What the auditor writes is
private to its user; a credential file others can read is refused, naming the file."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from tests.reliability.world import CANARY, DEMO, World, canary_scenario

FAILING = [
    {"path": "/assigned_users$", "status": 500, "times": 2},
    {"path": "/published_posts$", "malformed": True, "times": 1},
    {"path": ".*", "credential": "meta-aguas", "expired_token": True},
    {"path": ".*", "credential": "x-mprueba", "reset": True, "times": 2},
    {"path": "/roles$", "status": 403},
]


def test_the_canary_token_appears_nowhere(tmp_path: Path) -> None:
    world = World(tmp_path, canary_scenario(FAILING))
    try:
        outputs = [world.audit("-vv"), world.audit("-vv", "--log-format", "json")]
    finally:
        world.close()
    assert all(CANARY in token for token in world.tokens)
    for done in outputs:
        assert done.returncode in (0, 1, 3), done.stderr[-2000:]
        assert "DEBUG" in done.stderr or '"level": "debug"' in done.stderr  # really at the most verbose level
        assert CANARY not in done.stdout and CANARY not in done.stderr
    written = list(world.every_file())
    names = {p.name for p in written}
    assert {"audit.db", "sandbox-requests.jsonl", "report.html", "report.json"} <= names
    assert any(p.parent == world.outbox for p in written)
    for path in written:
        data = path.read_bytes()
        assert CANARY.encode() not in data, f"the canary leaked into {path}"
        assert CANARY.encode("utf-16-le") not in data, f"the canary leaked into {path} (UTF-16)"
    errors = world.query("select document from snapshots where error is not null")
    assert errors, "the faults produced no recorded error: the scan proved nothing"


def test_what_the_auditor_writes_is_private(tmp_path: Path) -> None:
    world = World(tmp_path, canary_scenario())
    try:
        assert world.audit().returncode in (0, 1, 3)
    finally:
        world.close()
    for path in (world.db, *world.out.rglob("*"), *world.outbox.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        assert mode == expected, f"{path} is {mode:o}, not {expected:o}"
    for folder in (world.out, world.outbox):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_credential_file_others_can_read_is_refused(tmp_path: Path, monkeypatch) -> None:
    secret = tmp_path / "meta.token"
    secret.write_text(f"{CANARY}-token\n", encoding="utf-8")
    secret.chmod(0o644)
    config = tmp_path / "auditor.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "a.db"}"\n[inventory]\npaths = ["{DEMO / "inventory"}"]\n'
        f'[credentials.meta-mprueba]\nfile = "{secret}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "connectors", "check"])
    assert result.exit_code != 0
    assert str(secret) in result.output and "lo pueden leer el grupo u otros" in result.output
    assert CANARY not in result.output
