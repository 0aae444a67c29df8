"""Checks pydantic cannot make on one record: unique ids, unique handles, and references between records."""

from __future__ import annotations

from typing import Any

from auditor.i18n import t
from auditor.inputs.sources import Loc, Problem, SourceMap


def cross_reference_problems(docs: dict[str, dict[str, Any]], sources: dict[str, SourceMap]) -> list[Problem]:
    """Checks pydantic cannot make on one record: unique ids and references between records."""
    problems = []
    for inst_id, doc in docs.items():
        source = sources[inst_id]

        def at(loc: Loc, message: str, source: SourceMap = source) -> Problem:
            file, line, label = source.locate(loc)
            return Problem(file, line, label, message)

        account_ids: dict[str, int] = {}
        handles: dict[tuple[str, str], int] = {}
        for i, account in enumerate(_listed(doc.get("accounts"))):
            if not isinstance(account, dict):
                continue
            acc_id = str(account.get("id"))
            if acc_id in account_ids:
                first = source.locate(("accounts", account_ids[acc_id]))[1]
                problems.append(at(("accounts", i, "id"), t("inputs.duplicate_account", id=acc_id, first=first)))
            account_ids.setdefault(acc_id, i)
            handle = str(account.get("handle") or "").lstrip("@").lower()
            if handle:
                key = (str(account.get("platform")), handle)
                if key in handles:
                    first = source.locate(("accounts", handles[key]))[1]
                    problems.append(
                        at(
                            ("accounts", i, "handle"),
                            t("inputs.duplicate_handle", platform=key[0], handle=handle, first=first),
                        )
                    )
                handles.setdefault(key, i)
        person_ids: dict[str, int] = {}
        for i, person in enumerate(_listed(doc.get("people"))):
            if not isinstance(person, dict):
                continue
            pid = str(person.get("id"))
            if pid in person_ids:
                problems.append(at(("people", i, "id"), t("inputs.duplicate_person", id=pid)))
            person_ids.setdefault(pid, i)
            seen_accounts: set[str] = set()
            for j, access in enumerate(_listed(person.get("access"))):
                if not isinstance(access, dict):
                    continue
                ref = str(access.get("account"))
                if ref not in account_ids:
                    problems.append(
                        at(
                            ("people", i, "access", j, "account"),
                            t("inputs.unknown_account", id=ref, institution=inst_id),
                        )
                    )
                elif ref in seen_accounts:
                    problems.append(
                        at(
                            ("people", i, "access", j, "account"),
                            t("inputs.account_twice", id=ref),
                        )
                    )
                seen_accounts.add(ref)
    return problems


def _listed(value: Any) -> list[Any]:
    """A list field as written, or nothing to cross-check when it is not a list (its type error is reported
    by validation, with its line)."""
    return value if isinstance(value, list) else []
