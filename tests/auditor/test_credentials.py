"""Credentials are references; values come from the environment or a private file and never leak."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from auditor.credentials import CredentialRef, Credentials, CredentialUnavailable
from auditor.model.secret import Secret


def test_value_from_environment(monkeypatch):
    monkeypatch.setenv("META_TOKEN", " tok-123 \n")
    secret = Credentials({"meta": CredentialRef(env="META_TOKEN")}).resolve("meta")
    assert secret.value == "tok-123"


def test_unset_variable_and_unknown_name_are_clear_errors(monkeypatch):
    monkeypatch.delenv("NOPE", raising=False)
    creds = Credentials({"meta": CredentialRef(env="NOPE")})
    with pytest.raises(CredentialUnavailable, match="la variable de entorno NOPE no está definida"):
        creds.resolve("meta")
    with pytest.raises(CredentialUnavailable, match="la credencial «other» no está definida"):
        creds.resolve("other")


def test_private_file_is_read_and_exposed_file_refused(tmp_path):
    path = tmp_path / "token"
    path.write_text("file-token\n", encoding="utf-8")
    os.chmod(path, 0o600)
    creds = Credentials({"meta": CredentialRef(file=path)})
    assert creds.resolve("meta").value == "file-token"
    os.chmod(path, 0o644)
    with pytest.raises(CredentialUnavailable, match=r"lo pueden leer el grupo u otros.*chmod 600"):
        creds.resolve("meta")


def test_reference_needs_exactly_one_source(tmp_path):
    with pytest.raises(ValidationError, match="exactamente uno"):
        CredentialRef(env="A", file=tmp_path / "b")
    with pytest.raises(ValidationError, match="exactamente uno"):
        CredentialRef()


def test_secret_never_prints_its_value():
    secret = Secret("meta", "EAAG-very-secret")
    assert "EAAG" not in repr(secret) and "EAAG" not in str(secret) and "EAAG" not in f"{secret}"


def test_log_records_are_redacted(monkeypatch, caplog):
    import logging

    from auditor.logs import RedactingFilter

    monkeypatch.setenv("TOK", "super-secret-value")
    Credentials({"t": CredentialRef(env="TOK")}).resolve("t")
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "failed GET %s with %s",
        ("https://graph.facebook.com/v25.0/me?access_token=abc", "super-secret-value"),
        None,
    )
    RedactingFilter().filter(record)
    text = record.getMessage()
    assert "super-secret-value" not in text and "access_token=abc" not in text and "[REDACTED]" in text
