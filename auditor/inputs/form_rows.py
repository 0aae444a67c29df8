"""Rows of Formularios A and B applied to the register the way the Annex means them: «Alta» adds, «Baja»
closes (status and date), «Modif.» changes fields and records each change with its date and document (so a
handle change signed on a form is a recorded modification, and IDN-002 clears).

No tool-only column is needed: an account without an id gets one derived from its network and handle, and
«Perfil y cuentas autorizadas» may name accounts by id, `@handle (Red)`, handle or profile URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from auditor.i18n import t
from auditor.inputs.form_csv import KNOWN_PLATFORMS, VALUE_ALIASES, loc_of, merge_person_row, norm_header, set_path
from auditor.inputs.sources import Loc, Problem, SourceMap

ACTION_NAMES = ("alta", "baja", "modif")
ACTION_LABELS = {"alta": "Alta", "baja": "Baja", "modif": "Modif."}  # as the Annex writes them
_SLUG = re.compile(r"[^a-z0-9]+")
_NAMED = re.compile(r"^@?(?P<handle>[^\s()]+)\s*\((?P<network>[^)]+)\)$")  # «@mpruebapy (Facebook)»
_PREFIXED = re.compile(r"^(?P<network>[^:@/]+):\s*@?(?P<handle>[^\s()]+)$")  # «Facebook: @mpruebapy»


@dataclass
class FormRow:
    """One row of a form, as read: what it says, where it is, which action it asks, and its file's folder."""

    kind: str  # accounts (Formulario A) or people (Formulario B)
    record: dict[str, Any]
    labels: dict[str, str]
    file: str
    line: int
    action: str
    folder: Path


def row_action(
    record: dict[str, Any], labels: dict[str, str], file: str, line: int, problems: list[Problem]
) -> str | None:
    """The row's «Tipo de acción solicitada» (one column, or one marked column of three); Alta when absent."""
    named = record.pop("_action", None)
    marks = record.pop("_mark", None) or {}
    marked = [a for a in ACTION_NAMES if marks.get(a) is True]
    if len(marked) > 1 or (named and marked and marked != [named]):
        problems.append(Problem(file, line, labels.get("_action", "Tipo de acción"), t("inputs.two_actions")))
        return None
    action = named or (marked[0] if marked else "alta")
    if action not in ACTION_NAMES:
        problems.append(
            Problem(file, line, labels.get("_action", "Tipo de acción"), t("inputs.unknown_action", value=action))
        )
        return None
    return str(action)


def derived_account_id(record: dict[str, Any]) -> str | None:
    """`facebook` + `@MPruebaPy` → `facebook-mpruebapy`: stable, readable, and the same on every import."""
    platform, handle = record.get("platform"), record.get("handle")
    if not platform or not handle:
        return None
    slug = _SLUG.sub("-", f"{platform}-{str(handle).lstrip('@')}".lower()).strip("-")
    return slug[:64] or None


def _find_account(accounts: list[dict[str, Any]], record: dict[str, Any]) -> int | None:
    """The registered account a Baja or Modif. row speaks of: by id, then network and handle, then network and
    description (a Modif. of the handle names the account by what did not change)."""
    wanted = record.get("id")
    for i, a in enumerate(accounts):
        if wanted and (a.get("id") == wanted or derived_account_id(a) == wanted):
            return i
    platform = record.get("platform")
    for key in ("handle", "alternative_handle", "display_name"):
        value = str(record.get(key) or "").lstrip("@").lower()
        if not value:
            continue
        found = [
            i
            for i, a in enumerate(accounts)
            if a.get("platform") == platform and str(a.get(key) or "").lstrip("@").lower() == value
        ]
        if len(found) == 1:
            return found[0]
    return None


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _get(target: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(target, dict):
            return None
        target = target.get(part)  # type: ignore[assignment]
    return target


def apply_account_row(doc: dict[str, Any], source: SourceMap, row: FormRow) -> list[Problem]:
    accounts: list[dict[str, Any]] = doc["accounts"]
    record = row.record
    authorization = record.get("authorization")
    if (
        isinstance(authorization, dict)
        and authorization.get("approver_name")
        and not authorization.get("approver_role")
    ):
        authorization["approver_role"] = "mai"  # the Annex's signature block is «Firma y Sello de la MAI»
    if row.action == "alta":
        record["id"] = record.get("id") or derived_account_id(record)
        if record["id"] and any(a.get("id") == record["id"] for a in accounts):
            return [
                Problem(row.file, row.line, row.labels.get("handle", "id"), t("inputs.alta_twice", id=record["id"]))
            ]
        loc: Loc = ("accounts", len(accounts))
        accounts.append(record)
        source.add(loc, row.file, row.line, "")
        for target, header in row.labels.items():
            source.add(loc + loc_of(target), row.file, row.line, header)
        return []
    authorization = record.get("authorization") or {}
    when = authorization.get("date")
    if not when:  # a change is applied in the order it was signed: it needs its date
        label = row.labels.get("authorization.date", "Fecha")
        return [Problem(row.file, row.line, label, t("inputs.abm_needs_date", action=ACTION_LABELS[row.action]))]
    index = _find_account(accounts, record)
    where = row.labels.get("handle") or row.labels.get("display_name") or "id"
    if index is None:
        return [Problem(row.file, row.line, where, t("inputs.abm_unknown_account", action=ACTION_LABELS[row.action]))]
    account = accounts[index]
    changes: dict[str, Any] = {"status": "baja", "status_date": when} if row.action == "baja" else {}
    if row.action == "modif":
        changes = {k: v for k, v in _flat(record).items() if k != "id" and not k.startswith("authorization.")}
    for field, value in changes.items():
        old = _get(account, field)
        if old == value or value is None:
            continue
        set_path(account, field, value)
        account.setdefault("modifications", []).append(
            {
                "date": when,
                "field": field,
                "old": None if old is None else str(old),
                "new": str(value),
                "document_ref": authorization.get("document_ref"),
            }
        )
        source.add(("accounts", index, *loc_of(field)), row.file, row.line, row.labels.get(field, field))
    return []


def apply_person_row(doc: dict[str, Any], source: SourceMap, row: FormRow) -> list[Problem]:
    """An Alta row adds the person (or another account to them); Baja closes them as of the row's date; Modif.
    overrides the fields it gives."""
    people: list[dict[str, Any]] = doc["people"]
    if row.action == "alta":
        return merge_person_row(people, source, row.record, row.labels, row.file, row.line)
    record = row.record
    key = str(record.get("id") or record.get("ci") or "").replace(".", "").replace(" ", "")
    index = next((i for i, p in enumerate(people) if key and str(p.get("id")) == key), None)
    if index is None:
        return [
            Problem(row.file, row.line, row.labels.get("ci", "CI"), t("inputs.abm_unknown_person", action=row.action))
        ]
    person = people[index]
    when = (record.get("authorization") or {}).get("date")
    if row.action == "baja":
        if not when:
            label = row.labels.get("authorization.date", "Fecha")
            return [Problem(row.file, row.line, label, t("inputs.abm_needs_date", action=ACTION_LABELS[row.action]))]
        person["status"], person["status_date"] = "baja", when
    else:
        for field, value in record.items():
            if field not in ("id", "access") and value is not None:
                person[field] = value
                source.add(("people", index, field), row.file, row.line, row.labels.get(field, field))
    if record.get("authorization"):
        person["authorization"] = record["authorization"]
    return []


def _platform_named(text: str) -> str:
    key = norm_header(text)
    return VALUE_ALIASES["platform"].get(key, key.replace(" ", ""))


def _handle_from_url(text: str) -> tuple[str | None, str]:
    """`https://www.facebook.com/mpruebapy/` → (facebook, mpruebapy): the network from the host, the handle from
    the path's last segment."""
    parsed = urlparse(text if "://" in text else f"https://{text}")
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    network = {
        "facebook.com": "facebook",
        "fb.com": "facebook",
        "instagram.com": "instagram",
        "x.com": "x",
        "twitter.com": "x",
        "youtube.com": "youtube",
        "linkedin.com": "linkedin",
        "tiktok.com": "tiktok",
    }.get(host)
    segments = [s for s in parsed.path.split("/") if s]
    return network, (segments[-1].lstrip("@") if segments else "")


def _known_handles(account: dict[str, Any]) -> set[str]:
    """The handles an account is known by: now, and before a signed Modif. (a Form B row dated before the change
    still names it by its old handle)."""
    names = {account.get("handle")}
    modifications = account.get("modifications")
    for m in modifications if isinstance(modifications, list) else []:
        if isinstance(m, dict) and m.get("field") == "handle":
            names.add(m.get("old"))
    return {str(n).lstrip("@").lower() for n in names if n}


def resolve_access(doc: dict[str, Any], source: SourceMap) -> list[Problem]:
    """Every person's «Perfil y cuentas autorizadas» entry to the id of one registered account: by id, or
    `@handle (Red)`, handle or profile URL. Unknown or ambiguous names are located problems."""
    # Whatever the files say (a YAML author can write anything): only well-shaped entries are resolved, the rest
    # is left for the model's validation to locate.
    raw_accounts, people = doc.get("accounts"), doc.get("people")
    accounts = [a for a in raw_accounts if isinstance(a, dict)] if isinstance(raw_accounts, list) else []
    ids = {str(a.get("id")) for a in accounts}
    problems: list[Problem] = []
    for p_index, person in enumerate(people if isinstance(people, list) else []):
        entries = person.get("access") if isinstance(person, dict) else None
        for a_index, access in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(access, dict) or not isinstance(access.get("account"), str):
                continue
            named = access["account"].strip()
            if not named or named in ids:
                continue
            network: str | None = None
            handle = named
            match = None if "/" in named else (_NAMED.match(named) or _PREFIXED.match(named))
            if "/" in named:  # a profile URL, with or without its scheme
                network, handle = _handle_from_url(named)
            elif match:
                network, handle = _platform_named(match["network"]), match["handle"]
            handle = handle.lstrip("@").lower()
            if (
                not match
                and "/" not in named
                and not named.startswith("@")
                and _platform_named(named) in KNOWN_PLATFORMS
            ):
                # Only a network («Facebook»): the institution's account there, when it has exactly one.
                network, handle = _platform_named(named), ""
            found = [
                a
                for a in accounts
                if (not handle or handle in _known_handles(a)) and (network is None or a.get("platform") == network)
            ]
            loc = ("people", p_index, "access", a_index, "account")
            file, line, label = source.locate(loc)
            if len(found) == 1:
                access["account"] = found[0]["id"]
            elif found:
                choices = ", ".join(f"@{a.get('handle')} ({a.get('platform')})" for a in found)
                problems.append(Problem(file, line, label, t("inputs.access_ambiguous", name=named, choices=choices)))
            # an unknown name is left as written: the cross-check names it with the registered accounts
    return problems
