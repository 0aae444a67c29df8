"""A one-page world for ticket tests: the clean inventory on a sandbox Page whose members a test changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditor.model import Inventory
from connectors.sandbox import Sandbox
from tests.conftest import clean_doc, institution

TOKEN = "EAAG-CANARY-TOKEN-4f1d9c"  # a canary: it must never appear in any ticket, anywhere


def inventory() -> Inventory:
    doc = clean_doc()
    doc["institution"]["communications_director"] = {"name": "Laura Benítez", "email": "lbenitez@tprueba.gov.py"}
    doc["institution"]["rsi"] = {"name": "Óscar Villalba", "email": "rsi@tprueba.gov.py"}
    doc["accounts"][0].update({"credential": "meta-t", "platform_account_id": "1001"})
    doc["people"][0]["access"][0]["platform_user_id"] = "u1"
    return Inventory(institutions=[institution(doc)])


ADMIN = {"id": "u1", "name": "Carlos Giménez", "tasks": ["MANAGE", "CREATE_CONTENT"]}


def intruder(tasks: list[str] | None = None, uid: str = "u666") -> dict[str, Any]:
    return {"id": uid, "name": "Intruso", "tasks": tasks or ["CREATE_CONTENT"]}


def world(*members: dict[str, Any]) -> Sandbox:
    page = {
        "name": "Institución de Prueba",
        "username": "tpruebapy",
        "emails": ["redes@tprueba.gov.py"],
        "phone": "+595 981 000001",
        "verification_status": "blue_verified",
        "is_published": True,
        "business": "7",
        "assigned_users": [copy.deepcopy(m) for m in members],
        "published_posts": [{"id": "p1", "created_time": "-1d"}],
    }
    users = [
        {
            "id": m["id"],
            "name": m["name"],
            "email": f"{m['id']}@tprueba.gov.py",
            "role": "EMPLOYEE",
            "two_fac_status": "enabled",
        }
        for m in members
    ]
    return Sandbox(
        {
            "tokens": {TOKEN: {"credential": "meta-t", "businesses": ["7"]}},
            "meta": {
                "businesses": {
                    "7": {
                        "name": "T",
                        "two_factor_type": "all_required",
                        "owned_pages": ["1001"],
                        "business_users": users,
                    }
                },
                "pages": {"1001": page},
            },
        }
    )


@pytest.fixture
def inv() -> Inventory:
    return inventory()
