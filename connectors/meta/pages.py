"""A Facebook Page: its node, its people (Business users, assigned users, Page roles), last post and the
owner of its alternative handle."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from auditor.model import (
    AccountSnapshot,
    DiscoveredAccount,
    Member,
    Observed,
    Platform,
    TwoFactorPolicy,
)
from auditor.model.secret import Secret
from connectors.base import (
    FetchRequest,
    NotFound,
    PermissionDenied,
    PlatformError,
    RateLimited,
    lookalike_lookups,
)
from connectors.http import redact, segment
from connectors.meta import batch
from connectors.meta.graph import (
    ASSIGNED_USER_FIELDS,
    BUSINESS_USER_FIELDS,
    EDGE_QUERY,
    LOOKUP_FIELDS,
    PAGE_FIELDS,
    PENDING_USER_FIELDS,
    POST_FIELDS,
    ROLES_FIELDS,
    SYSTEM_USER_FIELDS,
    GraphClient,
    MissingOrHidden,
    graph_time,
    published_state,
    role_from_tasks,
    two_factor_policy,
    two_factor_state,
    verification,
)


class PageReader(GraphClient):
    async def _fetch_page(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        ref = request.platform_id or request.account.handle
        if not ref:
            raise PlatformError("the account has neither a platform id nor a handle to look it up by")
        credential = await self._credential(secret)
        try:
            page = await self._node(segment(ref), secret, fields=PAGE_FIELDS)
        except MissingOrHidden as exc:
            await self._settle_missing(request, "owned_pages", ref, exc)  # raises unless it is really gone
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        except NotFound as exc:
            # 803: no Page has this username. Read by handle only while no id is pinned (a pinned id is read
            # first, so a renamed Page is found by it and reported as renamed, IDN-002).
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        page_id = str(page.get("id"))
        business_id = str((page.get("business") or {}).get("id") or "") or None
        two_factor: Observed[TwoFactorPolicy] = Observed.not_exposed()
        business_raw: dict[str, Any] = {}
        if business_id:
            try:
                business_raw = await self._business(business_id, secret)
                two_factor = two_factor_policy(business_raw.get("two_factor_type"))
            except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
                two_factor = Observed.failed(self.http.redact(str(exc)))
        with batch.answering(await self._batch(secret, self._independent_reads(request, page_id, business_id))):
            members = await self._page_members(page_id, business_id, secret)
            last = await self._optional(self._last_post(page_id, secret))
            alt = await self._alternative_owner(request, page_id, secret)
            lookalikes = await lookalike_lookups(
                request, lambda spelling: self._page_found(spelling, secret), self.http.redact
            )
        emails = [str(e).lower() for e in page.get("emails") or []]
        evidence = {
            "page": {
                k: page.get(k)
                for k in (
                    "id",
                    "name",
                    "username",
                    "link",
                    "emails",
                    "phone",
                    "verification_status",
                    "is_published",
                    "is_permanently_closed",
                )
            },
            "business": {k: business_raw.get(k) for k in ("id", "name", "two_factor_type", "verification_status")}
            if business_raw
            else None,
            "business_id": business_id,  # whose member findings this Page speaks for (policies/business.py)
        }
        return self._base(
            request,
            platform_account_id=page_id,
            status=published_state(page.get("is_published"), page.get("is_permanently_closed")),
            handle=Observed.of(page.get("username"), raw=page.get("username")),
            display_name=Observed.of(page.get("name")),
            linked_emails=Observed.of(emails, raw=page.get("emails")),
            phone=Observed.of(page.get("phone")),
            two_factor=two_factor,
            verification=verification(page.get("verification_status")),
            members=members,
            last_activity=last,
            alternative_handle_owner=alt,
            credential=credential,
            **lookalikes,
            evidence=json.loads(redact(json.dumps(evidence, default=str), {secret.value})),
        )

    @staticmethod
    def _independent_reads(
        request: FetchRequest, page_id: str, business_id: str | None
    ) -> list[tuple[str, dict[str, Any]]]:
        """The first request of each read below, as each reader asks it (`batch.read_key` matches them): what
        one Graph batch asks for this Page once its node is read. Further pages of an edge go on their own."""
        page = segment(page_id)
        reads: list[tuple[str, dict[str, Any]]] = []
        if business_id:
            reads.append(
                (f"{page}/assigned_users", {**EDGE_QUERY, "business": business_id, "fields": ASSIGNED_USER_FIELDS})
            )
        reads.append((f"{page}/roles", {**EDGE_QUERY, "fields": ROLES_FIELDS}))
        reads.append((f"{page}/published_posts", {"fields": POST_FIELDS, "limit": 1}))
        handles = [request.account.alternative_handle or "", *request.lookalike_spellings()]
        reads.extend((segment(h), {"fields": LOOKUP_FIELDS}) for h in handles if h)
        return reads

    async def _page_members(self, page_id: str, business_id: str | None, secret: Secret) -> Observed[list[Member]]:
        """Everyone who can reach the Page: those with tasks on it, and every member of its Business — users,
        system users and pending invitations — with or without a task (Business membership is access: an admin
        assigns a task in a click). Legacy Page roles are people outside any Business."""
        try:
            members: dict[str, Member] = {}
            if business_id:
                edge = f"{segment(business_id)}"
                users = {
                    str(u.get("id")): u
                    for u in await self._business_edge(f"{edge}/business_users", secret, fields=BUSINESS_USER_FIELDS)
                }
                system = {
                    str(u.get("id")): u
                    for u in await self._business_edge(f"{edge}/system_users", secret, fields=SYSTEM_USER_FIELDS)
                }
                assigned = await self._edge(
                    f"{segment(page_id)}/assigned_users", secret, business=business_id, fields=ASSIGNED_USER_FIELDS
                )
                for a in assigned:
                    uid = str(a.get("id"))
                    user = users.get(uid) or system.get(uid) or {}
                    members[uid] = Member(
                        platform_user_id=uid,
                        name=a.get("name") or user.get("name"),
                        email=(user.get("email") or None),
                        role=role_from_tasks(a.get("tasks")),
                        raw_role=",".join(a.get("tasks") or []),
                        two_factor=two_factor_state(user.get("two_fac_status")),
                        raw_two_factor=user.get("two_fac_status"),
                        system_user=uid in system
                        or str(a.get("user_type")).upper() == "SYSTEM_USER"
                        or uid not in users,
                        business=business_id if uid in users or uid in system else None,
                    )
                for uid, user in [*users.items(), *system.items()]:
                    if uid in members:
                        continue
                    members[uid] = Member(
                        platform_user_id=uid,
                        name=user.get("name"),
                        email=user.get("email") or None,
                        role=role_from_tasks(user.get("tasks"), user.get("role")),
                        raw_role=str(user.get("role")) if user.get("role") else None,
                        two_factor=two_factor_state(user.get("two_fac_status")),
                        raw_two_factor=user.get("two_fac_status"),
                        system_user=uid in system,
                        business=business_id,
                        on_asset=False,
                    )
                for p in await self._business_edge(f"{edge}/pending_users", secret, fields=PENDING_USER_FIELDS):
                    pid = f"pending:{p.get('id')}"
                    members[pid] = Member(
                        platform_user_id=pid,
                        email=(p.get("email") or None),
                        role=role_from_tasks(p.get("tasks"), p.get("role")),
                        raw_role=str(p.get("role")),
                        pending=True,
                        business=business_id,
                        on_asset=False,
                    )
            for r in await self._edge(f"{segment(page_id)}/roles", secret, fields=ROLES_FIELDS):
                uid = str(r.get("id"))
                members.setdefault(uid, Member(platform_user_id=uid, name=r.get("name"), raw_role="page_role"))
            return Observed.of(sorted(members.values(), key=lambda m: m.platform_user_id))
        except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))

    async def _last_post(self, page_id: str, secret: Secret) -> datetime | None:
        body = await self._node(f"{segment(page_id)}/published_posts", secret, fields=POST_FIELDS, limit=1)
        posts = body.get("data") or []
        return graph_time(posts[0].get("created_time")) if posts else None

    async def _page_found(self, username: str, secret: Secret) -> DiscoveredAccount | None:
        """The Page whose username is `username`; None on 803 (no such username). Meta's 100/33 («missing or
        no permission») says nothing either way: an error, so the spelling stays unknown."""
        try:
            other = await self._node(segment(username), secret, fields=LOOKUP_FIELDS)
        except MissingOrHidden as exc:
            raise PlatformError(self.http.redact(str(exc))) from None
        except NotFound:
            return None
        return DiscoveredAccount(
            platform=Platform.FACEBOOK,
            platform_account_id=str(other.get("id")),
            handle=other.get("username") or username,
            name=other.get("name"),
        )

    async def _alternative_owner(self, request: FetchRequest, page_id: str, secret: Secret) -> Observed[str]:
        """Who holds the registered alternative handle: None if free, our own id if ours, else theirs."""
        alt = request.account.alternative_handle
        if not alt:
            return Observed.of(None)
        try:
            other = await self._node(segment(alt), secret, fields=LOOKUP_FIELDS)
        except MissingOrHidden as exc:
            return Observed.failed(self.http.redact(str(exc)))  # held by someone, or unreadable: not «free»
        except NotFound:
            return Observed.of(None)  # 803: no Page has this username
        except (PermissionDenied, PlatformError, RateLimited) as exc:
            return Observed.failed(self.http.redact(str(exc)))
        return Observed.of(
            str(other.get("id")),
            raw={"id": other.get("id"), "name": other.get("name"), "username": other.get("username")},
        )
