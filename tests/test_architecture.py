"""The layers point down, and modules stay small (docs/architecture.md).

model ← connectors, policies, reports ← engine ← application (auditor.app) ← front ends (CLI, scheduler, web).
Every import statement of the four packages is read from the source (including imports inside functions
and under TYPE_CHECKING), so a new module cannot reach up or sideways without this test naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("auditor", "connectors", "policies", "reports")
MAX_LINES = 500

# The first matching prefix names a module's layer.
LAYERS: tuple[tuple[str, str], ...] = (
    ("auditor.model", "model"),
    ("auditor.i18n", "model"),
    ("auditor.app", "app"),
    ("auditor.cli", "frontend"),
    ("auditor.schedule", "frontend"),
    ("auditor.web", "frontend"),
    ("auditor.__main__", "frontend"),
    ("auditor", "engine"),
    ("connectors", "connectors"),
    ("policies", "policies"),
    ("reports", "reports"),
)

# The engine: loading inputs, observing the platforms, evaluating, the store, tickets, settings.
ENGINE = (
    "auditor.engine",
    "auditor.judge",
    "auditor.judge_early",
    "auditor.observe",
    "auditor.live",
    "auditor.store",
    "auditor.inputs",
    "auditor.tickets",
    "auditor.config",
    "auditor.credentials",
    "auditor.lock",
    "auditor.crashpoints",
    "auditor.collector",
    "auditor.logs",
)
BELOW_ENGINE = ("auditor.model", "auditor.i18n", "connectors", "policies", "reports")

# What each layer may import of the project (prefixes). Third-party and standard modules are not limited.
MODEL = ("auditor.model", "auditor.i18n")
ALLOWED: dict[str, tuple[str, ...]] = {
    "model": MODEL,
    "connectors": (*MODEL, "connectors"),
    "policies": (*MODEL, "policies"),
    # Reports render the report document; they may read the rule registry's metadata (titles, remediation).
    "reports": (*MODEL, "reports", "policies.registry"),
    "engine": (*BELOW_ENGINE, *ENGINE),
    "app": (*BELOW_ENGINE, *ENGINE, "auditor.app"),
    # Front ends parse, call the application layer and print or render: they never open the store, run the
    # engine or call a connector themselves. `auditor.config` is the settings they load once and pass on;
    # `auditor.logs` sets up the process's logging.
    "frontend": (
        *MODEL,
        "reports",
        "auditor.app",
        "auditor.config",
        "auditor.logs",
        "auditor.cli",
        "auditor.schedule",
        "auditor.web",
    ),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS in tests/test_architecture.py")


def project_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; name the module in full")
        found += [(node.lineno, n) for n in names if n.split(".")[0] in PACKAGES]
    return found


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_every_import_points_down_the_layers():
    wrong = []
    for path in sources():
        layer = layer_of(module_name(path))
        for line, target in project_imports(path):
            if not within(target, ALLOWED[layer]):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {target} ({layer_of(target)})")
    assert not wrong, "imports against the layers (docs/architecture.md):\n" + "\n".join(wrong)


def test_the_checker_would_see_a_wrong_import(tmp_path):
    """The test above can fail: a policy importing the store is named."""
    module = tmp_path / "bad.py"
    module.write_text("from auditor.store import Store\n\ndef f():\n    import connectors.meta\n")
    targets = [t for _, t in project_imports(module)]
    assert targets == ["auditor.store", "connectors.meta"]
    assert not within("auditor.store", ALLOWED["policies"])
    assert not within("auditor.store", ALLOWED["frontend"])
    assert within("auditor.model.clock", ALLOWED["connectors"])


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_500_lines(package):
    big = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / package).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, f"split these by concern first: {big}"


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    """One catalogue: every key in Spanish and English, and the two ask for the same values."""
    import string

    from auditor.i18n import LANGS, MESSAGES

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGS), key
        assert fields(texts["es"]) == fields(texts["en"]), key
