"""Loading inventories: located errors, all at once, nothing returned from an invalid inventory."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.inputs.inventory import inventory_digest, load_inventory
from auditor.inputs.sources import InputError
from tests.conftest import clean_doc


def write_yaml(path: Path, doc: object) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_inventory(paths)
    return [str(p) for p in exc.value.problems]


def test_clean_yaml_loads_and_normalises(tmp_path):
    inv = load_inventory([write_yaml(tmp_path / "t.yaml", clean_doc())])
    person = inv.institutions[0].people[0]
    assert person.ci == "4123456"
    assert person.mobile == "+595981301001"


def test_every_problem_is_reported_at_once_with_file_line_and_field(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        """institution:
  id: tprueba
  name: Institución de Prueba
  email_domains: [tprueba.gov.py]
accounts:
  - id: a1
    platform: myspace
    handle: tpy
  - id: a1
    platform: x
    handle: tpy2
    colour: blue
  - id: a3
    platform: instagram
    kind: apoyo
    support:
      start_date: 2026-05-01
      end_date: 2026-02-30
people:
  - id: p1
    access:
      - account: ghost
        role: administrador
""",
        encoding="utf-8",
    )
    found = problems([path])
    name = str(path)
    assert any(
        p.startswith(f"{name}:7: accounts[0].platform: valor no permitido; use uno de:") and "«myspace»" in p
        for p in found
    )
    assert f"{name}:9: accounts[1].id: id de cuenta repetido «a1» (la primera vez en la línea 6)" in found
    assert f"{name}:12: accounts[1].colour: campo desconocido" in found
    assert (
        f"{name}:18: accounts[2].support.end_date: fecha inválida: use AAAA-MM-DD (en CSV también dd/mm/aaaa) "
        "(se recibió «2026-02-30»)" in found
    )
    assert any(p.startswith(f"{name}:22: people[0].access[0].account: cuenta desconocida «ghost»") for p in found)
    assert len(found) == 5


def test_support_period_ending_before_it_starts_is_an_error(tmp_path):
    doc = clean_doc()
    doc["accounts"][0]["support"] = {"start_date": "2026-05-01", "end_date": "2026-01-01"}
    found = problems([write_yaml(tmp_path / "t.yaml", doc)])
    assert any(
        "accounts[0].support: la fecha de fin 2026-01-01 es anterior a la de inicio 2026-05-01" in p for p in found
    )


def test_non_compliant_but_valid_data_loads(tmp_path):
    doc = clean_doc()
    doc["accounts"][0]["linked_email"] = "tprueba@gmail.com"
    del doc["accounts"][0]["posting_plan_ref"]
    doc["people"][0]["mobile"] = "021 585 000"
    inv = load_inventory([write_yaml(tmp_path / "t.yaml", doc)])
    assert inv.institutions[0].accounts[0].linked_email == "tprueba@gmail.com"


def test_wrong_ruc_check_digit_is_an_error(tmp_path):
    doc = clean_doc()
    doc["institution"]["ruc"] = "80000035-7"
    assert any(
        "institution.ruc: el dígito verificador del RUC es incorrecto (debería ser 8)" in p
        for p in problems([write_yaml(tmp_path / "t.yaml", doc)])
    )


def test_python_object_tags_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("institution: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    found = problems([path])
    assert any("institution: valor inválido" in p and "python/object" in p for p in found)


def test_alias_bomb_is_bounded(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems([path])
    assert any("más de 200,000 valores" in p for p in found)


def test_duplicate_yaml_keys_are_errors(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("institution:\n  id: a\n  id: b\n", encoding="utf-8")
    assert any(":3: institution.id: clave repetida" in p for p in problems([path]))


def test_empty_file_and_syntax_error(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("institution: [unclosed\n", encoding="utf-8")
    found = problems([empty, bad])
    assert f"{empty}: el archivo está vacío" in found
    assert any(p.startswith(f"{bad}:") and "sintaxis YAML" in p for p in found)


def test_missing_path_is_reported(tmp_path):
    assert problems([tmp_path / "nope.yaml"]) == [f"{tmp_path / 'nope.yaml'}: no existe el archivo o carpeta"]


def test_duplicate_institution_across_files(tmp_path):
    a = write_yaml(tmp_path / "a.yaml", clean_doc())
    b = write_yaml(tmp_path / "b.yaml", clean_doc())
    assert any("id de institución repetido «tprueba»" in p for p in problems([a, b]))


def test_digest_changes_with_content(tmp_path):
    first = inventory_digest(load_inventory([write_yaml(tmp_path / "t.yaml", clean_doc())]))
    doc = clean_doc()
    doc["accounts"][0]["handle"] = "otro.py"
    second = inventory_digest(load_inventory([write_yaml(tmp_path / "t.yaml", doc)]))
    assert first != second and len(first) == 64


# -- CSV -------------------------------------------------------------------------------------------

PEOPLE_HEADER = (
    "Nombre y Apellido;CI;Dependencia;Tipo vínculo;Correo electrónico institucional;Celular;"
    "Perfil y cuentas autorizadas;Roles;Punto de contacto"
)


def base_yaml(tmp_path: Path) -> Path:
    doc = clean_doc()
    doc["people"] = []
    return write_yaml(tmp_path / "t.yaml", doc)


def test_people_csv_in_windows_1252_with_semicolons_and_spanish_headers(tmp_path):
    csv_path = tmp_path / "formulario-b.csv"
    rows = [
        PEOPLE_HEADER,
        "José Núñez;1.234.567;Comunicación;Nombrado;jnunez@tprueba.gov.py;0981 111 222;t-fb;Administrador;Sí",
    ]
    csv_path.write_bytes("\r\n".join(rows).encode("cp1252"))
    inv = load_inventory([base_yaml(tmp_path), csv_path])
    person = inv.institutions[0].people[0]
    assert person.name == "José Núñez"
    assert person.ci == "1234567" and person.id == "1234567"
    assert person.access[0].role.value == "administrador" and person.access[0].contact_point is True


def test_people_csv_utf8_with_bom_and_commas_merges_rows_of_one_person(tmp_path):
    header = PEOPLE_HEADER.replace(";", ",")
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        "\ufeff" + header + "\n"
        "Ana Ruiz,2345678,Prensa,Contratado,aruiz@tprueba.gov.py,0982222333,t-fb,Community Manager,No\n"
        'Ana Ruiz,2345678,Prensa,Contratado,aruiz@tprueba.gov.py,0982222333,"t-fb2",Editor,No\n',
        encoding="utf-8",
    )
    doc = clean_doc()
    doc["people"] = []
    doc["accounts"].append({**doc["accounts"][0], "id": "t-fb2", "handle": "tprueba2py"})
    inv = load_inventory([write_yaml(tmp_path / "t.yaml", doc), csv_path])
    people = inv.institutions[0].people
    assert len(people) == 1
    assert [(a.account, a.role.value) for a in people[0].access] == [
        ("t-fb", "community_manager"),
        ("t-fb2", "editor"),
    ]


def test_csv_errors_name_file_row_and_column_header(tmp_path):
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        PEOPLE_HEADER + "\n"
        "Ana Ruiz;2345678;Prensa;Astronauta;aruiz@tprueba.gov.py;0982222333;t-fb;Editor;No\n"
        "Luis Paz;3456789;Prensa;Nombrado;lpaz@tprueba.gov.py;0982222444;t-zz;Editor;No\n",
        encoding="utf-8",
    )
    found = problems([base_yaml(tmp_path), csv_path])
    assert any(p.startswith(f"{csv_path}:2: Tipo vínculo: valor no permitido") for p in found)
    assert any(p.startswith(f"{csv_path}:3: Perfil y cuentas autorizadas: cuenta desconocida «t-zz»") for p in found)


def test_csv_contradicting_rows_for_one_person(tmp_path):
    csv_path = tmp_path / "b.csv"
    csv_path.write_text(
        PEOPLE_HEADER + "\n"
        "Ana Ruiz;2345678;Prensa;Contratado;aruiz@tprueba.gov.py;0982222333;t-fb;Editor;No\n"
        "Ana Ruiz;2345678;Prensa;Nombrado;aruiz@tprueba.gov.py;0982222333;t-fb;Editor;No\n",
        encoding="utf-8",
    )
    found = problems([base_yaml(tmp_path), csv_path])
    assert any(f"{csv_path}:3: Tipo vínculo: «nombrado» contradice «contratado»" in p for p in found)


def test_accounts_csv_with_form_a_headers_and_spanish_dates(tmp_path):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        "Red social;ID;Tipo de cuenta;Descripción de la cuenta;Nombre del perfil;"
        "Cuenta de correo institucional asociada al perfil;Objetivo;Fecha de inicio;Fecha de fin;Aclaración/C.I.\n"
        "Twitter;t-x;De apoyo;Campaña;@campanapy;campana@tprueba.gov.py;Campaña 2026;01/03/2026;31/12/2026;"
        "Ana Duarte / 3.456.789\n",
        encoding="utf-8",
    )
    inv = load_inventory([write_yaml(tmp_path / "t.yaml", clean_doc()), csv_path])
    account = inv.institutions[0].account("t-x")
    assert account is not None
    assert account.platform.value == "x" and account.kind.value == "apoyo" and account.handle == "campanapy"
    assert str(account.support.end_date) == "2026-12-31"
    assert account.authorization.approver_ci == "3456789"


def test_csv_unknown_column_and_unrecognisable_file(tmp_path):
    unknown = tmp_path / "u.csv"
    unknown.write_text(PEOPLE_HEADER + ";Color favorito\n", encoding="utf-8")
    neither = tmp_path / "n.csv"
    neither.write_text("foo;bar\n1;2\n", encoding="utf-8")
    found = problems([base_yaml(tmp_path), unknown, neither])
    assert f"{unknown}:1: Color favorito: columna desconocida" in found
    assert any(p.startswith(f"{neither}:1: no se puede saber si este CSV tiene cuentas") for p in found)


def test_binary_and_oversized_files_are_refused(tmp_path, monkeypatch):
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"CI;Nombre\n\x00\x01")
    found = problems([base_yaml(tmp_path), binary])
    assert f"{binary}:2: el archivo contiene un byte NUL: no es un archivo de texto" in found
    import auditor.inputs.sources as sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 10)
    assert any("más que el límite de 10" in p for p in problems([base_yaml(tmp_path)]))


def test_invalid_inventory_imports_nothing(tmp_path, store):
    from click.testing import CliRunner

    from auditor.cli import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text("institution:\n  id: x\n", encoding="utf-8")
    good = write_yaml(tmp_path / "good.yaml", clean_doc())
    result = CliRunner().invoke(cli, ["inventory", "import", str(good), str(bad), "--db", str(store.path)])
    assert result.exit_code == 2
    assert f"{bad}:1: institution.name: falta (es obligatorio)" in result.output, result.output
    assert store.load_inventory().institutions == []


def test_an_institution_s_lookups_follow_its_lists_and_leave_equality_alone(tmp_path):
    inv = load_inventory([write_yaml(tmp_path / "inv.yaml", clean_doc())])
    inst = inv.institutions[0]
    scanned = {a.id: [(p, x) for p in inst.people for x in p.access if x.account == a.id] for a in inst.accounts}
    assert {a.id: inst.people_on(a.id) for a in inst.accounts} == scanned
    assert [inst.account(a.id) for a in inst.accounts] == inst.accounts
    assert inst.account("no-such-account") is None and inst.people_on("no-such-account") == []

    fresh = load_inventory([tmp_path / "inv.yaml"]).institutions[0]
    assert inst == fresh  # one has been asked (an index built), the other not: still equal

    first = inst.accounts[0]
    trimmed = inst.model_copy(update={"accounts": inst.accounts[1:], "people": []})
    assert trimmed.account(first.id) is None and trimmed.people_on(first.id) == []
    assert inst.account(first.id) is first  # the original keeps its own
