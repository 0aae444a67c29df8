"""Meta connector: Facebook Pages, Instagram professional accounts and their Business Manager (Graph API).

What Meta exposes and how it is read (../shared/reference/platform_apis.md §1):
- Page node: `username` (handle), `name`, `emails` and `phone` (the Page's public contact data, the closest
  thing to a linked email/phone Meta exposes), `verification_status`, `is_published`, owning `business`.
- Business node: `two_factor_type` (`admin_required` / `all_required` / `none`), the account-level policy.
- `business_users` (email, role, tasks, `two_fac_status`), `pending_users` (invitations), the Page's
  `assigned_users?business=` (who holds which tasks on the Page) and `/roles` (people outside the business).
  `two_fac_status` values are undocumented: only values recognised positively count as on or off.
- `published_posts` and IG `/media` for the last publication; `debug_token` for credential health.
Instagram exposes no email, phone, verification badge or per-account member list: those are not_exposed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from auditor.model import (
    SNAPSHOT_ATTRIBUTES,
    AccountSnapshot,
    CredentialHealth,
    DiscoveredAccount,
    Institution,
    Platform,
    RegisteredAccount,
)
from auditor.model.secret import Secret
from connectors.base import CredentialError, FetchRequest
from connectors.http import segment
from connectors.meta.instagram import InstagramReader
from connectors.meta.pages import PageReader

__all__ = ["MetaConnector"]


class MetaConnector(PageReader, InstagramReader):
    """Facebook Pages and Instagram accounts, read through the Graph API with one credential each."""

    name: ClassVar[str] = "meta"
    requests_per_account: ClassVar[int] = 6  # for one account, look-alikes aside (observe.py)
    platforms: ClassVar[tuple[Platform, ...]] = (Platform.FACEBOOK, Platform.INSTAGRAM)
    capabilities: ClassVar[Mapping[Platform, frozenset[str]]] = {
        # The Page and its Business expose everything but a login of its own (people have individual roles).
        Platform.FACEBOOK: frozenset(SNAPSHOT_ATTRIBUTES) - {"login_two_factor"},
        Platform.INSTAGRAM: frozenset(
            {"status", "handle", "display_name", "two_factor", "last_activity", "credential"}
        ),
    }

    async def fetch(self, request: FetchRequest) -> AccountSnapshot:
        if request.account.platform is Platform.INSTAGRAM:
            return await self._fetch_instagram(request)
        return await self._fetch_page(request)

    async def check(self, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
        try:
            observed = await self._credential(secret)
        except CredentialError as exc:
            return CredentialHealth(valid=False, error=str(exc))
        return observed.value if observed.ok and observed.value else CredentialHealth(valid=False, error=observed.error)

    async def discover(self, institution: Institution, credential_name: str, secret: Secret) -> list[DiscoveredAccount]:
        """Pages and Instagram accounts owned by the businesses the credential can see."""
        found: list[DiscoveredAccount] = []
        for business in await self._edge("me/businesses", secret, fields="id,name"):
            bid = business.get("id")
            for page in await self._edge(f"{segment(bid)}/owned_pages", secret, fields="id,name,username"):
                found.append(
                    DiscoveredAccount(
                        platform=Platform.FACEBOOK,
                        platform_account_id=str(page.get("id")),
                        handle=page.get("username"),
                        name=page.get("name"),
                        credential=credential_name,
                    )
                )
            for ig in await self._edge(f"{segment(bid)}/owned_instagram_accounts", secret, fields="id,username,name"):
                found.append(
                    DiscoveredAccount(
                        platform=Platform.INSTAGRAM,
                        platform_account_id=str(ig.get("id")),
                        handle=ig.get("username"),
                        name=ig.get("name"),
                        credential=credential_name,
                    )
                )
        return found
