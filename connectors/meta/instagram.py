"""An Instagram professional account, found through the Pages of the credential's Business."""

from __future__ import annotations

from datetime import datetime

from auditor.model import (
    AccountSnapshot,
    DiscoveredAccount,
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
from connectors.http import segment
from connectors.meta.graph import (
    IG_FIELDS,
    MEDIA_FIELDS,
    GraphClient,
    MissingOrHidden,
    graph_time,
    published_state,
    two_factor_policy,
)


class InstagramReader(GraphClient):
    async def _find_instagram(self, handle: str, secret: Secret) -> str | None:
        for business in await self._edge("me/businesses", secret, fields="id,name"):
            for ig in await self._edge(
                f"{segment(business.get('id'))}/owned_instagram_accounts", secret, fields="id,username"
            ):
                if str(ig.get("username", "")).lower() == handle.lower():
                    return str(ig.get("id"))
        return None

    async def _fetch_instagram(self, request: FetchRequest) -> AccountSnapshot:
        secret = request.secret
        credential = await self._credential(secret)
        ig_id = request.platform_id
        if not ig_id:
            if not request.account.handle:
                raise PlatformError("the account has neither a platform id nor a handle to look it up by")
            ig_id = await self._find_instagram(request.account.handle, secret)
            if ig_id is None:
                raise PermissionDenied(
                    f"@{request.account.handle} is not among the Instagram accounts the "
                    f"credential {secret.name!r} can see"
                )
        try:
            ig = await self._node(segment(ig_id), secret, fields=IG_FIELDS)
        except MissingOrHidden as exc:
            await self._settle_missing(request, "owned_instagram_accounts", ig_id, exc)
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        except NotFound as exc:
            return self._not_found(request, str(exc)).model_copy(update={"credential": credential})
        business_id = str((ig.get("owner_business") or {}).get("id") or "") or None
        two_factor: Observed[TwoFactorPolicy] = Observed.not_exposed()
        if business_id:
            try:
                raw = (await self._business(business_id, secret)).get("two_factor_type")
                two_factor = two_factor_policy(raw)
            except (PermissionDenied, NotFound, PlatformError, RateLimited) as exc:
                two_factor = Observed.failed(self.http.redact(str(exc)))
        last = await self._optional(self._last_media(str(ig.get("id")), secret))
        lookalikes = await lookalike_lookups(
            request, lambda spelling: self._instagram_found(str(ig.get("id")), spelling, secret), self.http.redact
        )
        return self._base(
            request,
            platform_account_id=str(ig.get("id")),
            status=published_state(ig.get("is_published")),
            handle=Observed.of(ig.get("username"), raw=ig.get("username")),
            display_name=Observed.of(ig.get("name")),
            two_factor=two_factor,
            last_activity=last,
            credential=credential,
            **lookalikes,
            evidence={
                "instagram": {k: ig.get(k) for k in ("id", "username", "name", "is_published")},
                "business_id": business_id,  # an asset of that Business (policies/business.py)
            },
        )

    async def _instagram_found(self, ig_id: str, username: str, secret: Secret) -> DiscoveredAccount | None:
        """The business or creator account holding `username` (business discovery, asked through our own IG
        account); None when Graph says no such user. Personal accounts are invisible to it."""
        try:
            body = await self._node(
                segment(ig_id), secret, fields=f"business_discovery.username({username}){{id,username,name}}"
            )
        except MissingOrHidden as exc:
            raise PlatformError(self.http.redact(str(exc))) from None
        except NotFound:
            return None
        found = body.get("business_discovery") if isinstance(body, dict) else None
        if not isinstance(found, dict) or not found.get("id"):
            return None
        return DiscoveredAccount(
            platform=Platform.INSTAGRAM,
            platform_account_id=str(found.get("id")),
            handle=str(found.get("username") or username),
            name=found.get("name"),
        )

    async def _last_media(self, ig_id: str, secret: Secret) -> datetime | None:
        body = await self._node(f"{segment(ig_id)}/media", secret, fields=MEDIA_FIELDS, limit=1)
        media = body.get("data") or []
        return graph_time(media[0].get("timestamp")) if media else None
