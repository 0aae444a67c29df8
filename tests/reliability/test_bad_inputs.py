"""Bad input: every file of `bad_inventories/` (one folder a case; `WHY` says what is wrong, `EXPECT` where the
error must point) gives a located error, exit 2 and nothing imported, in bounded time; files of 50 MB are
refused without being read whole. Property tests: arbitrary YAML never escapes as anything but a located
input error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from auditor.cli import cli
from auditor.inputs.inventory import load_inventory
from auditor.inputs.sources import InputError

CASES = Path(__file__).parent / "bad_inventories"
TIME_BOUND_SECONDS = 10  # a safety bound (a hang, an exponential blow-up), not a performance claim


def case_files(case: Path) -> list[str]:
    return [str(p) for p in sorted(case.iterdir()) if p.name not in ("WHY", "EXPECT")]


def test_the_corpus_has_at_least_thirty_cases():
    assert len([c for c in CASES.iterdir() if c.is_dir()]) >= 30


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_bad_inventory_is_refused_with_a_located_error(case: str, tmp_path: Path) -> None:
    folder = CASES / case
    expect = (folder / "EXPECT").read_text(encoding="utf-8").strip()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["inventory", "validate", *case_files(folder)])
    assert time.monotonic() - started < TIME_BOUND_SECONDS
    assert result.exit_code == 2, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"{folder}/{expect}"), f"{first!r} does not point at {expect!r}"
    assert "no se importó ni escribió nada" in result.output
    db = tmp_path / "audit.db"
    imported = CliRunner().invoke(cli, ["inventory", "import", "--db", str(db), *case_files(folder)])
    assert imported.exit_code == 2
    assert not db.exists() or _rows(db, "institutions") == 0


def _rows(db: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_a_50_mb_file_is_refused_without_reading_it_whole(suffix: str, tmp_path: Path) -> None:
    big = tmp_path / f"huge{suffix}"
    line = b"# " + b"x" * 1022 + b"\n" if suffix == ".yaml" else b"tprueba;" + b"x" * 1015 + b"\n"
    with open(big, "wb") as fh:
        for _ in range(50 * 1024):
            fh.write(line)
    assert big.stat().st_size >= 50 * 1024 * 1024
    small = tmp_path / f"small{suffix}"
    small.write_bytes(line)
    started = time.monotonic()
    done, peak_mb = validate_measured(big)
    assert time.monotonic() - started < TIME_BOUND_SECONDS
    assert done.returncode == 2 and "más que el límite" in done.stdout + done.stderr
    _, baseline_mb = validate_measured(small)  # the same command on a one-line file
    assert peak_mb < baseline_mb + 25, f"{peak_mb:.0f} MB against {baseline_mb:.0f} MB for one line: the file was read"


def validate_measured(path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """`auditor inventory validate` in a child that reports its own peak RSS (MB)."""
    measured = (
        "import resource, sys\n"
        "from auditor.cli import main\n"
        f"sys.argv = ['auditor', 'inventory', 'validate', {str(path)!r}]\n"
        "try:\n    main()\n"
        "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", measured], capture_output=True, text=True, timeout=60)
    return done, int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024


# -- properties ---------------------------------------------------------------------------------------------

# Derandomized: CI sees the same examples every time (a failure is a bug to fix, not a flake); run locally with
# more examples and `--hypothesis-seed` to search further (5,000 examples × 3 seeds passed before this landed).
FUZZ = settings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.dates())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(min_size=1, max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
FIELDS = ["institution", "accounts", "people", "id", "name", "platform", "handle", "access", "role", "email_domains"]
shaped = st.fixed_dictionaries(
    {"institution": st.dictionaries(st.sampled_from(FIELDS), documents, max_size=5)},
    optional={
        "accounts": st.lists(st.dictionaries(st.sampled_from(FIELDS), documents, max_size=6), max_size=3),
        "people": st.lists(st.dictionaries(st.sampled_from(FIELDS), documents, max_size=6), max_size=3),
    },
)


@settings(FUZZ, max_examples=150)
@given(doc=st.one_of(shaped, documents))
@example(doc={"institution": {}, "accounts": [], "people": [{"access": True}]})  # found by CI: a TypeError
def test_any_yaml_is_an_inventory_or_a_located_input_error(doc: object, tmp_path: Path) -> None:
    path = tmp_path / "inst.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        load_inventory([path])
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == str(path) and problem.message
    # Anything else (a KeyError, a TypeError from a half-validated document) fails the test.


@settings(FUZZ, max_examples=100)
@given(cells=st.lists(st.lists(st.text(max_size=15), min_size=1, max_size=14), min_size=1, max_size=6))
def test_any_form_b_csv_is_people_or_a_located_input_error(cells: list[list[str]], tmp_path: Path) -> None:
    inst = tmp_path / "inst.yaml"
    inst.write_text("institution: {id: tprueba, name: Prueba}\n", encoding="utf-8")
    header = (
        "Institución;Nombre y Apellido;CI;Dependencia;Tipo vínculo;Institución de origen;"
        "Correo electrónico institucional;Celular;Contrato de confidencialidad;Perfil y cuentas autorizadas;"
        "Roles;Punto de contacto;Estado"
    )
    rows = [
        "tprueba;" + ";".join(c.replace(";", ",").replace("\n", " ").replace("\r", " ") for c in row) for row in cells
    ]
    form = tmp_path / "b.csv"
    form.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    try:
        load_inventory([inst, form])
    except InputError as exc:
        assert all(p.file in (str(inst), str(form)) and p.message for p in exc.problems)
