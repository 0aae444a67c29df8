"""Issue 17 class 1: files the auditor writes. Folders it creates are 0700 and files 0600; a planted symlink,
a path owned by someone else or a folder others can write to is refused, naming the path — never written
through; a loose mode on our own store is tightened with a warning."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.lock import store_lock
from auditor.store import Store
from reports.files import UnsafePath, private_dir
from reports.render import write_atomically


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_store_its_new_parents_and_its_lock_are_private(tmp_path):
    db = tmp_path / "a" / "b" / "audit.db"
    Store(db).close()
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(db) == 0o600
    with store_lock(db):
        assert mode(db.with_name("audit.db.lock")) == 0o600


def test_a_planted_lock_symlink_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    db = tmp_path / "audit.db"
    Store(db).close()
    (tmp_path / "audit.db.lock").symlink_to(victim)
    with pytest.raises(UnsafePath, match=r"audit\.db\.lock.*enlace simbólico"), store_lock(db):
        pass
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_store_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "elsewhere.db"
    Store(real).close()
    (tmp_path / "audit.db").symlink_to(real)
    with pytest.raises(UnsafePath, match="enlace simbólico"):
        Store(tmp_path / "audit.db")


def test_a_loose_store_of_ours_is_tightened_with_a_warning(tmp_path, caplog):
    db = tmp_path / "audit.db"
    Store(db).close()
    os.chmod(db, 0o644)
    Store(db).close()
    assert mode(db) == 0o600 and "0o644" in caplog.text


def test_a_folder_others_can_write_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(UnsafePath, match=r"shared.*chmod 700"):
        write_atomically(shared / "report.html", "x")


def test_a_report_folder_that_is_a_symlink_is_refused(tmp_path):
    target = tmp_path / "target"
    target.mkdir(mode=0o700)
    (tmp_path / "out").symlink_to(target)
    with pytest.raises(UnsafePath):
        private_dir(tmp_path / "out" / "2026-11-30-ejecucion-1")
    assert list(target.iterdir()) == []


def test_the_cli_names_the_path_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / "audit.db").symlink_to(victim)
    result = CliRunner().invoke(cli, ["audit", "--no-live", "--db", str(tmp_path / "audit.db")])
    assert result.exit_code == 2, result.output
    assert "audit.db" in result.output and "enlace simbólico" in result.output
    assert victim.read_text(encoding="utf-8") == "precious\n"
