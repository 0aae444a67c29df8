"""Issue 17 class 7: no secret in clear text. Every URL that carries credentials (connectors, webhook,
TheHive, Jira) must be https — plain http only to this machine — and SMTP with a password needs STARTTLS or
implicit TLS. `config check` refuses otherwise, naming the key and the line."""

from __future__ import annotations

import pytest

from auditor.config import load_config
from auditor.inputs.sources import InputError

CASES = [
    ('[connectors.meta]\nbase_url = "http://graph.example.org"\n', 2, "base_url"),
    ('[tickets.sinks.hook]\ntype = "webhook"\nurl = "http://siem.example.org/hook"\n', 3, "url"),
    (
        '[tickets.sinks.hive]\ntype = "thehive"\nurl = "http://hive.example.org"\napi_key = { env = "HIVE" }\n',
        3,
        "url",
    ),
    (
        '[tickets.sinks.jira]\ntype = "jira"\nurl = "ftp://jira.example.org"\nemail = "a@b.py"\n'
        'api_token = { env = "J" }\nproject_key = "SEC"\n',
        3,
        "url",
    ),
    ('[tickets.sinks.hook]\ntype = "webhook"\nurl = "http://user:pw@127.0.0.1:9/hook"\n', 3, "url"),
    (
        '[tickets.sinks.mail]\ntype = "email"\nhost = "smtp.example.org"\nstarttls = false\n'
        'username = "u"\npassword = { env = "SMTP" }\nsender = "a@b.py"\n',
        6,
        "password",
    ),
]


@pytest.mark.parametrize(("toml", "line", "key"), CASES)
def test_clear_text_credentials_are_refused_with_key_and_line(tmp_path, toml, line, key):
    path = tmp_path / "auditor.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_config(path)
    (problem,) = exc.value.problems
    assert problem.line == line and problem.field.endswith(key), problem
    assert "https" in problem.message or "starttls" in problem.message


@pytest.mark.parametrize(
    "toml",
    [
        '[connectors.meta]\nbase_url = "http://127.0.0.1:8765"\n',
        '[tickets.sinks.hook]\ntype = "webhook"\nurl = "https://siem.example.org/hook"\n',
        '[tickets.sinks.mail]\ntype = "email"\nhost = "smtp.example.org"\nport = 465\nstarttls = false\n'
        'implicit_tls = true\nusername = "u"\npassword = { env = "SMTP" }\nsender = "a@b.py"\n',
    ],
)
def test_tls_or_loopback_is_accepted(tmp_path, toml):
    path = tmp_path / "auditor.toml"
    path.write_text(toml, encoding="utf-8")
    load_config(path)
