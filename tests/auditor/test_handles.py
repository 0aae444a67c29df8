"""Issue 16 point 7: a registered handle the platform could not have given is a located input error, per
platform's rules; `@` is accepted and dropped; platforms without public handles take any label."""

from __future__ import annotations

import pytest

from auditor.inputs.inventory import load_inventory
from auditor.inputs.sources import InputError
from auditor.model import Platform
from auditor.model.handles import handle_problem

VALID = {
    Platform.X: ["mpruebapy", "RaulGautoSND", "a", "mprueba_py", "A" * 15],
    Platform.INSTAGRAM: ["mpruebapy", "censo.de.prueba_2026", "a" * 30],
    Platform.FACEBOOK: ["mpruebapy", "mprueba.py", "Expo2024"],
    Platform.TIKTOK: ["mpruebapy", "mp", "prueba.py_2026"],
    Platform.YOUTUBE: ["unapruebaoficial", "una-tv.py", "canalÑandutí", "abc"],
    Platform.LINKEDIN: ["aguas-de-prueba-py", "ministerio_de_prueba"],
}
INVALID = {
    Platform.X: ["RaulGautoMinistro", "x/../../1500", "prueba.py", "ñandu", "a b", "A" * 16],
    Platform.INSTAGRAM: ["a" * 31, "prueba-py", "prueba/py"],
    Platform.FACEBOOK: ["mprueba_py", "mp.y", "prueba-py", "a" * 51],
    Platform.TIKTOK: ["m", "a" * 25, "prueba-py"],
    Platform.YOUTUBE: ["ab", "una tv", "una/tv", "a" * 31],
    Platform.LINKEDIN: ["aguas de prueba", "aguas/../x"],
}


@pytest.mark.parametrize(("platform", "handle"), [(p, h) for p, hs in VALID.items() for h in hs])
def test_valid_handles(platform, handle):
    assert handle_problem(platform, handle) is None


@pytest.mark.parametrize(("platform", "handle"), [(p, h) for p, hs in INVALID.items() for h in hs])
def test_invalid_handles(platform, handle):
    assert handle_problem(platform, handle) == f"handle_rule.{platform.value}"


def test_non_public_handles_are_labels():
    for platform in (Platform.GOOGLE, Platform.ZOOM, Platform.MAILCHIMP):
        assert handle_problem(platform, "cuenta compartida / 1") is None


def test_the_inventory_names_file_line_field_and_rule(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "institution: {id: t, name: T, email_domains: [t.gov.py]}\n"
        "accounts:\n"
        "  - id: t-x\n"
        "    platform: x\n"
        "    handle: '@RaulGautoMinistro'\n"
        "  - id: t-fb\n"
        "    platform: facebook\n"
        "    handle: tpruebapy\n"
        "    alternative_handle: tprueba_py\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        load_inventory([tmp_path])
    text = str(exc.value)
    assert "t.yaml:5: accounts[0].handle: no es un nombre de perfil posible en X (Twitter)" in text
    assert "de 1 a 15 caracteres" in text and "«@RaulGautoMinistro»" in text
    assert "t.yaml:9: accounts[1].alternative_handle: no es un nombre de perfil posible en Facebook" in text


def test_a_look_alike_letter_is_named_in_the_input_error():
    from auditor.model import RegisteredAccount

    with pytest.raises(ValueError, match="U\\+0430 CYRILLIC SMALL LETTER A"):
        RegisteredAccount(id="a", platform="facebook", handle="tprueb\u0430py")
