"""The bench's synthetic country: a deterministic inventory and platform scenario from a seed, most accounts
clean and about 5 % of each violation, spread over the bench's platforms so that every layout (one
institution of 1,000 accounts, 1,000 institutions of one) uses every platform chosen."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from auditor.model import Inventory, Platform

if TYPE_CHECKING:
    from auditor.app.bench import BenchSpec


def generate(spec: BenchSpec) -> tuple[Inventory, dict[str, Any]]:
    """A deterministic inventory and platform scenario: most accounts clean, a few of each violation."""
    rng = random.Random(spec.seed)
    institutions: list[dict[str, Any]] = []
    scenario: dict[str, Any] = {
        "tokens": {},
        "meta": {"businesses": {}, "pages": {}},
        "x": {"users": {}},
        "youtube": {"channels": {}},
        "linkedin": {"organizations": {}},
    }
    for i in range(spec.institutions):
        inst = f"oee{i:04d}"
        domain = f"{inst}.gov.py"
        people: list[dict[str, Any]] = [
            {
                "id": "admin",
                "name": "Admin Uno",
                "ci": str(1_000_000 + i),
                "dependency": "Comunicación",
                "link_type": "nombrado",
                "email": f"admin@{domain}",
                "mobile": "0981000001",
                "access": [],
            },
            {
                "id": "cm",
                "name": "CM Dos",
                "ci": str(2_000_000 + i),
                "dependency": "Comunicación",
                "link_type": "contratado",
                "email": f"cm@{domain}",
                "mobile": "0981000002",
                "access": [],
            },
        ]
        accounts = []
        business = str(900000 + i)
        scenario["meta"]["businesses"][business] = {
            "name": inst,
            "two_factor_type": "admin_required" if rng.random() < 0.1 else "all_required",
            "owned_pages": [],
            "business_users": [
                {
                    "id": f"{inst}-u1",
                    "name": "Admin Uno",
                    "email": f"admin@{domain}",
                    "role": "ADMIN",
                    "two_fac_status": "enabled",
                },
                {
                    "id": f"{inst}-u2",
                    "name": "CM Dos",
                    "email": f"cm@{domain}",
                    "role": "EMPLOYEE",
                    "two_fac_status": "disabled" if rng.random() < 0.05 else "enabled",
                },
            ],
            "pending_users": [],
        }
        for platform in spec.platforms:
            scenario["tokens"][f"tok-{inst}-{platform.value}"] = {
                "credential": f"{platform.value}-{inst}",
                "businesses": [business],
            }
        for k in range(spec.accounts_per_institution):
            platform = spec.platforms[(i + k) % len(spec.platforms)]  # every platform, whatever the layout
            acc_id = f"{inst}-{platform.value}-{k}"
            handle = f"{inst}{platform.value}{k}py"
            email = f"redes{k}@{domain}" if rng.random() > 0.05 else f"{handle}@gmail.com"
            accounts.append(
                {
                    "id": acc_id,
                    "platform": platform.value,
                    "handle": handle,
                    "display_name": f"{inst} {k}",
                    "linked_email": email,
                    "phone": "+595981000001",
                    "phone_control": "corporativo",
                    "objective": "Difusión",
                    "posting_plan_ref": "Plan 2026",
                    "authorization": {"approver_name": "MAI", "approver_ci": "1234567", "date": "2025-01-01"},
                    "credential": f"{platform.value}-{inst}",
                    "verification": {"expectation": "recommended"},
                }
            )
            for n, person in enumerate(people):
                person["access"].append(
                    {
                        "account": acc_id,
                        "role": "administrador" if n == 0 else "community_manager",
                        "contact_point": n == 0,
                        "platform_user_id": f"urn:li:person:{inst}P{n}"
                        if platform is Platform.LINKEDIN
                        else f"{inst}-u{n + 1}",
                    }
                )
            recent = f"-{rng.randint(1, 30) if rng.random() > 0.1 else rng.randint(100, 300)}d"
            if platform is Platform.FACEBOOK:
                page_id = str(10**14 + i * 1000 + k)
                scenario["meta"]["businesses"][business]["owned_pages"].append(page_id)
                members = [
                    {"id": f"{inst}-u1", "name": "Admin Uno", "tasks": ["MANAGE", "CREATE_CONTENT"]},
                    {"id": f"{inst}-u2", "name": "CM Dos", "tasks": ["CREATE_CONTENT"]},
                ]
                if rng.random() < 0.05:
                    members.append({"id": f"{inst}-x{k}", "name": "Extraño", "tasks": ["CREATE_CONTENT"]})
                scenario["meta"]["pages"][page_id] = {
                    "name": f"{inst} {k}",
                    "username": handle,
                    "emails": [email],
                    "phone": "+595 981 000001",
                    "verification_status": "blue_verified" if rng.random() < 0.5 else "not_verified",
                    "is_published": True,
                    "business": business,
                    "assigned_users": members,
                    "published_posts": [{"id": f"{page_id}_1", "created_time": recent}],
                }
            elif platform is Platform.X:
                scenario["x"]["users"][str(10**17 + i * 1000 + k)] = {
                    "username": handle,
                    "name": f"{inst} {k}",
                    "protected": False,
                    "verified": True,
                    "verified_type": "government" if rng.random() > 0.2 else "blue",
                    "recent_tweet": {"id": str(10**18 + i * 1000 + k), "created_at": recent},
                }
            elif platform is Platform.YOUTUBE:
                channel = f"UC{inst}{k:06d}"
                scenario["youtube"]["channels"][channel] = {
                    "snippet": {"title": f"{inst} {k}", "customUrl": f"@{handle}"},
                    "status": {"privacyStatus": "public"},
                    "contentDetails": {"relatedPlaylists": {"uploads": f"UU{inst}{k:06d}"}},
                    "uploads": [{"videoId": f"v{inst}{k}", "videoPublishedAt": recent}],
                }
            elif platform is Platform.LINKEDIN:
                scenario["linkedin"]["organizations"][str(10**6 + i * 1000 + k)] = {
                    "vanityName": handle,
                    "localizedName": f"{inst} {k}",
                    "acls": [
                        {"roleAssignee": f"urn:li:person:{inst}P0", "role": "ADMINISTRATOR", "state": "APPROVED"},
                        {
                            "roleAssignee": f"urn:li:person:{inst}P1",
                            "role": "CONTENT_ADMINISTRATOR",
                            "state": "APPROVED",
                        },
                    ],
                    "posts": [{"id": f"urn:li:share:{i}{k}", "publishedAt": recent}],
                }
        institutions.append(
            {
                "institution": {"id": inst, "name": f"Institución {i}", "email_domains": [domain]},
                "accounts": accounts,
                "people": people,
            }
        )
    return Inventory.model_validate({"institutions": institutions}), scenario
