"""Shared builders: a clean one-institution inventory that breaks no rule, and helpers to run rules on it."""

from __future__ import annotations

import copy
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import respx.mocks

from auditor.model import Finding, InstitutionInventory, Inventory, Profile, Waiver
from auditor.store import Store
from policies.evaluate import evaluate
from policies.profile import effective_rules
from tests.respx_http11 import Http11Mocker

# respx intercepts the platforms' own HTTP/1.1 pools too, with every `respx.mock` (tests/respx_http11.py).
respx.mocks.DEFAULT_MOCKER = Http11Mocker.name

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)

CLEAN: dict[str, Any] = {
    "institution": {
        "id": "tprueba",
        "name": "Institución de Prueba",
        "ruc": "80000035-8",
        "email_domains": ["tprueba.gov.py"],
    },
    "accounts": [
        {
            "id": "t-fb",
            "platform": "facebook",
            "kind": "principal",
            "handle": "tpruebapy",
            "alternative_handle": "tpruebaparaguay",
            "display_name": "Institución de Prueba",
            "linked_email": "redes@tprueba.gov.py",
            "phone": "+595981000001",
            "phone_control": "corporativo",
            "objective": "Difundir actividades",
            "posting_plan_ref": "Plan 2026",
            "indicators": "Alcance",
            "authorization": {
                "approver_name": "Ana Duarte",
                "approver_role": "director_comunicacion",
                "approver_ci": "3456789",
                "date": "2025-01-10",
            },
        }
    ],
    "people": [
        {
            "id": "p1",
            "name": "Carlos Giménez",
            "ci": "4.123.456",
            "dependency": "Comunicación",
            "link_type": "nombrado",
            "email": "cgimenez@tprueba.gov.py",
            "mobile": "0981 301 001",
            "access": [{"account": "t-fb", "role": "administrador", "contact_point": True}],
        }
    ],
}


def clean_doc() -> dict[str, Any]:
    return copy.deepcopy(CLEAN)


def institution(doc: dict[str, Any] | None = None) -> InstitutionInventory:
    return InstitutionInventory.model_validate(doc or clean_doc())


def findings_for(
    doc: dict[str, Any],
    rule_id: str | None = None,
    *,
    waivers: list[Waiver] | None = None,
    today: date = TODAY,
    profile: Profile | None = None,
) -> list[Finding]:
    inv = Inventory(institutions=[institution(doc)])
    result = evaluate(inv, effective_rules(profile or Profile()), waivers or [], today)
    return [f for f in result.findings if rule_id is None or f.policy_id == rule_id]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "audit.db")


@pytest.fixture
def demo_dir() -> Path:
    from auditor.app.setup import demo_files

    return demo_files()


@pytest.fixture(autouse=True)
def spanish_by_default():
    """The process's language is Spanish unless a test asks otherwise; a CLI call with --lang en inside the
    test process must not leak English into the next test."""
    from auditor.i18n import set_lang

    set_lang("es")
    yield
    set_lang("es")


@pytest.fixture
def localhost_certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `localhost` (certificate, key), for test servers that speak TLS."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    names = ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            *names,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
