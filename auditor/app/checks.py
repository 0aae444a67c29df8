"""Checks before the first audit: the configuration and its files (no platform is called), and one cheap
authenticated call per credential in use (`connectors check`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from auditor.config import Config
from auditor.credentials import Credentials, CredentialUnavailable
from auditor.inputs.inventory import load_inventory
from auditor.inputs.sources import InputError
from auditor.inputs.tuning import load_profile, load_waivers
from auditor.live import live_from_config
from auditor.model import CredentialHealth, Inventory, RegisteredAccount
from auditor.model.secret import Secret
from connectors.base import Connector, ConnectorFactory, available_connectors, connector_for

SECRET_FIELDS = ("secret", "password", "api_key", "api_token")  # of ticket sinks


@dataclass(frozen=True)
class ConfigCheck:
    problems: list[str]  # one line each, located where the input is a file
    inventory: Inventory | None
    credentials_in_use: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_config(config: Config) -> ConfigCheck:
    """Validate config, inventory, profile, waivers and every credential reference in use."""
    problems: list[str] = []
    inventory = None
    try:
        inventory = load_inventory([str(p) for p in config.inventory.paths])
    except InputError as exc:
        problems += [str(p) for p in exc.problems]
    try:
        load_profile(config.policies.profile)
    except InputError as exc:
        problems += [str(p) for p in exc.problems]
    try:
        load_waivers(config.policies.waivers, inventory)
    except InputError as exc:
        problems += [str(p) for p in exc.problems]
    credentials = Credentials(refs=config.credentials)
    used = sorted(
        {a.credential for i in (inventory.institutions if inventory else []) for a in i.accounts if a.credential}
    )
    for name in used:
        try:
            credentials.resolve(name)
        except CredentialUnavailable as exc:
            problems.append(f"credentials.{name}: {exc}")
    for sink, settings in config.tickets.sinks.items():
        for secret_field in SECRET_FIELDS:
            ref = getattr(settings, secret_field, None)
            if ref is not None:
                try:
                    Credentials({f"{sink}.{secret_field}": ref}).resolve(f"{sink}.{secret_field}")
                except CredentialUnavailable as exc:
                    problems.append(f"tickets.sinks.{sink}.{secret_field}: {exc}")
    return ConfigCheck(problems, inventory, len(used))


@dataclass(frozen=True)
class CredentialCheck:
    credential: str
    connector: str
    valid: bool
    expires_at: datetime | None = None
    error: str | None = None


def check_connectors(config: Config) -> list[CredentialCheck]:
    """For each credential the inventory uses, one authenticated call through its first account's connector."""
    live = live_from_config(config)
    inventory = load_inventory([str(p) for p in config.inventory.paths])
    first: dict[str, tuple[ConnectorFactory, RegisteredAccount]] = {}
    for inst in inventory.institutions:
        for account in inst.accounts:
            factory = connector_for(account.platform, available_connectors())
            if account.credential and factory is not None:
                first.setdefault(account.credential, (factory, account))
    checks = []
    for name, (factory, account) in sorted(first.items()):
        try:
            secret = live.credentials.resolve(name)
        except CredentialUnavailable as exc:
            checks.append(CredentialCheck(name, factory.name, False, error=str(exc)))
            continue
        health = asyncio.run(_check(factory(live.settings.get(factory.name)), secret, account))
        checks.append(CredentialCheck(name, factory.name, health.valid, health.expires_at, health.error))
    return checks


async def _check(connector: Connector, secret: Secret, account: RegisteredAccount) -> CredentialHealth:
    try:
        return await connector.check(secret, account)
    finally:
        await connector.aclose()
