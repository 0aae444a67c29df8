"""Getting started and trying it out: the starter files (`auditor init`), the built-in demo's files, and the
platform sandbox served over HTTP (`auditor sandbox serve`)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from auditor.app.errors import RequestError
from auditor.config import CONFIG_NAME
from auditor.live import load_sandbox
from auditor.model import Inventory

STARTER_FILES = {
    CONFIG_NAME: "auditor.toml",
    "inventory/mi-institucion.yaml": "institution.yaml",
    "waivers.yaml": "waivers.yaml",
    "profile.yaml": "profile.yaml",
}


# Values of the starter inventory that only mean "edit me": an audit of them would report about nobody.
PLACEHOLDERS = {
    "institution.name": "Mi Institución",
    "institution.email_domains": "miinstitucion.gov.py",
    "people.name": "Nombre Apellido",
}


def unedited_placeholders(inventory: Inventory) -> list[str]:
    """Where an inventory still holds the starter's placeholder values («Mi Institución», …)."""
    found = []
    for inst in inventory.institutions:
        i = inst.institution
        if i.name == PLACEHOLDERS["institution.name"]:
            found.append(f"{i.id}: institution.name = «{i.name}»")
        if PLACEHOLDERS["institution.email_domains"] in i.email_domains:
            found.append(f"{i.id}: institution.email_domains = {PLACEHOLDERS['institution.email_domains']}")
        found += [
            f"{i.id}: people.{p.id}.name = «{p.name}»" for p in inst.people if p.name == PLACEHOLDERS["people.name"]
        ]
    return found


def demo_files() -> Path:
    """The demo's inventory, profile, waivers and sandbox scenario, shipped as package data."""
    return Path(str(resources.files("auditor") / "demo"))


def write_starter(directory: Path) -> list[Path]:
    """A commented starter config and a one-institution inventory to edit; never overwrites a file."""
    starter = resources.files("auditor") / "starter"
    existing = [str(directory / name) for name in STARTER_FILES if (directory / name).exists()]
    if existing:
        raise RequestError(f"refusing to overwrite: {', '.join(existing)}")
    written = []
    for name, source in STARTER_FILES.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((starter / source).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(path)
    return written


def serve_sandbox(
    host: str,
    port: int,
    *,
    scenario: Path | None = None,
    request_log: Path | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve a scenario (the demo's by default) on the platforms' real paths until interrupted."""
    from connectors.sandbox.server import serve

    box = load_sandbox(scenario or demo_files() / "sandbox.yaml", request_log)
    serve(box, host, port, announce=announce or (lambda _url: None))
