"""The web application writes in short transactions that never wait behind a running audit: while an audit
is observing the platforms (paused here in the middle), a declaration and an annotation through the API
are recorded at once, and the audit then completes and counts them."""

from __future__ import annotations

import threading
import time

from auditor.app.setup import demo_files
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.inputs.tuning import load_profile
from auditor.live import live_from_sandbox, load_sandbox
from auditor.model import RunType
from auditor.store import Store
from tests.web.conftest import A, People
from tests.web.helpers import api_login, client


def test_a_declaration_is_written_while_an_audit_runs(people: People):
    files = demo_files()
    inventory = load_inventory([str(files / "inventory")])
    paused, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def progress(_snapshot: object) -> None:
        if not paused.is_set():
            paused.set()
            assert release.wait(60)

    def audit() -> None:
        with Store(people.db) as store:
            outcome["result"] = run_audit(
                store,
                inventory,
                profile=load_profile(files / "profile.yaml"),
                run_type=RunType.DEMO,
                live=live_from_sandbox(load_sandbox(files / "sandbox.yaml")),
                progress=progress,
            )

    c = client(people)
    csrf = api_login(c, people, "rsi-a")
    row = next(r for r in c.get(f"/api/institutions/{A}/checklist").json() if r["person"] is None)
    worker = threading.Thread(target=audit)
    worker.start()
    try:
        assert paused.wait(60), "the audit never reached the platforms"
        started = time.monotonic()
        r = c.post(
            f"/api/institutions/{A}/declarations",
            json={"item": row["item"], "account": row["account"], "answer": "cumple"},
            headers={"X-CSRF-Token": csrf},
        )
        took = time.monotonic() - started
        assert r.status_code == 201, r.text
        assert took < 2.0, f"the declaration waited {took:.1f}s behind the audit"
        assert c.get(f"/api/institutions/{A}/findings").status_code == 200  # reads do not wait either
    finally:
        release.set()
        worker.join(120)
    assert "result" in outcome
    with Store(people.db) as store:
        assert any(
            d.item == row["item"] and d.account == row["account"] for d in store.human_state().current().values()
        )
        assert store.run() is not None and store.run().id == outcome["result"].run_id  # type: ignore[union-attr]
