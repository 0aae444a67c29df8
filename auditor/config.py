"""The configuration file (`auditor.toml`): where the inventory, store, profile and waivers are.

Found by `--config`, then `AUDITOR_CONFIG`, then `./auditor.toml`; without one, defaults apply. Unknown keys
are errors that name the key. Paths are relative to the file's folder, so a config works from anywhere.
Secrets never live here (credentials arrive with the connectors, by reference only).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator

from auditor.credentials import CredentialRef
from auditor.i18n import t
from auditor.inputs.sources import InputError, Problem, describe
from auditor.model import Severity
from auditor.model.classify import is_addr_spec
from connectors.http import HttpSettings
from reports.csv import CsvDialect

CONFIG_NAME = "auditor.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreConfig(_Section):
    path: Path = Path("auditor.db")


class InventoryConfig(_Section):
    paths: list[Path] = [Path("inventory")]


class PoliciesConfig(_Section):
    profile: Path | None = None
    waivers: Path | None = None


class ReportsConfig(_Section):
    out: Path = Path("reports-output")
    formats: list[Literal["html", "md", "json", "csv", "plan", "ocsf", "xlsx"]] = [
        "html",
        "md",
        "json",
        "csv",
        "plan",
        "ocsf",
        "xlsx",
    ]
    lang: Literal["es", "en"] = "es"
    # Each run's reports go to their own folder; the oldest folders the auditor made beyond this are removed.
    keep_runs: int = Field(default=30, ge=1)
    # excel-es: UTF-8 with BOM, `;` and Spanish headers (Excel set to Spanish opens it); rfc4180: `,` for machines.
    csv_dialect: CsvDialect = "excel-es"


class AuditConfig(_Section):
    # "none": never exit 1 because of findings (the report still lists them).
    fail_on: Severity | None = Severity.HIGH
    # How long one account may take, not counting the waits a platform announces (rate-limit windows); and
    # the whole run (everything counts; 0: none). What is left when one passes is OPS-001 «tiempo agotado».
    account_deadline_seconds: float = 600.0
    run_deadline_seconds: float = 0.0
    # IDN-009: look-alike spellings of each handle looked up per account and run, where the platform allows a
    # lookup by handle (X: one batched request); the rotation reaches every spelling over a few nights (a
    # handle has 4-12). Three, not all of them nightly: at ten, a country's 1,000 YouTube channels need 12,000
    # units of the project's 10,000 a day (`auditor bench --realistic`), and the lookups are most of the
    # requests and CPU of a run.
    lookalike_lookups_per_account: int = Field(default=3, ge=0, le=100)

    @field_validator("fail_on", mode="before")
    @classmethod
    def _none_word(cls, value: object) -> object:
        return None if value == "none" else value


def tls_only(url: str | None) -> str | None:
    """A URL that carries credentials (every connector and sink URL does) must be https; plain http only to
    this machine (a sandbox, a local proxy), where nothing crosses a network."""
    if url is None:
        return url
    parsed = urlsplit(url)
    host = (parsed.hostname or "").lower()
    loopback = host == "localhost" or host == "::1" or host.startswith("127.")
    if parsed.scheme == "https" or (parsed.scheme == "http" and loopback and not parsed.password):
        return url
    raise ValueError(t("inputs.needs_tls", url=f"{parsed.scheme}://{host}"))


class ConnectorSettings(_Section):
    """Per-connector HTTP settings; `base_url` points a connector at a proxy, a recording or the sandbox."""

    base_url: str | None = None
    api_version: str | None = None
    timeout_seconds: float = 20.0
    concurrency: int = 8
    per_credential_concurrency: int = 4
    max_retries: int = 4
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 60.0
    max_throttled_retries: int = 8
    usage_threshold_pct: float = 75.0
    max_body_bytes: int = 10_000_000
    delegated_subject: str | None = None  # google_workspace: the admin a service account acts as
    customer: str | None = None  # google_workspace: customer id (default my_customer)

    _tls = field_validator("base_url")(tls_only)

    def http(self, default_base_url: str) -> HttpSettings:
        return HttpSettings(
            base_url=self.base_url or default_base_url,
            timeout_seconds=self.timeout_seconds,
            concurrency=self.concurrency,
            per_credential_concurrency=self.per_credential_concurrency,
            max_retries=self.max_retries,
            backoff_seconds=self.backoff_seconds,
            max_wait_seconds=self.max_wait_seconds,
            max_throttled_retries=self.max_throttled_retries,
            usage_threshold_pct=self.usage_threshold_pct,
            max_body_bytes=self.max_body_bytes,
        )


Grouping = Literal["finding", "account"]


class OutboxSinkConfig(_Section):
    """One JSON file per ticket event in a folder: the default, and what another system can pick up."""

    type: Literal["outbox"] = "outbox"
    path: Path = Path("tickets-outbox")
    grouping: Grouping = "finding"


class WebhookSinkConfig(_Section):
    type: Literal["webhook"]
    url: str
    secret: CredentialRef | None = None  # HMAC-SHA256 key for the X-Auditor-Signature header
    timeout_seconds: float = 10.0
    grouping: Grouping = "finding"

    _tls = field_validator("url")(tls_only)


class EmailSinkConfig(_Section):
    type: Literal["email"]
    host: str
    port: int = 587
    starttls: bool = True
    implicit_tls: bool = False  # SMTPS (usually port 465)
    username: str | None = None
    password: CredentialRef | None = None

    @field_validator("password")
    @classmethod
    def _password_needs_tls(cls, value: CredentialRef | None, info: ValidationInfo) -> CredentialRef | None:
        if value is not None and not (info.data.get("starttls") or info.data.get("implicit_tls")):
            raise ValueError(t("inputs.smtp_needs_tls"))
        return value

    sender: str
    to_owners: bool = True  # the institution's communications director and RSI from the inventory
    fallback_to: list[str] = []

    @field_validator("sender", "fallback_to")
    @classmethod
    def _addresses(cls, value: str | list[str]) -> str | list[str]:
        for address in [value] if isinstance(value, str) else value:
            if not is_addr_spec(address):
                raise ValueError(t("inputs.bad_contact_email"))
        return value

    timeout_seconds: float = 20.0
    grouping: Grouping = "finding"


class TheHiveSinkConfig(_Section):
    type: Literal["thehive"]
    url: str
    api_key: CredentialRef
    source: str = "oee-social-auditor"
    alert_type: str = "cuenta-oficial"
    timeout_seconds: float = 10.0
    grouping: Grouping = "finding"

    _tls = field_validator("url")(tls_only)


class JiraSinkConfig(_Section):
    type: Literal["jira"]
    url: str
    email: str
    api_token: CredentialRef
    project_key: str
    issue_type: str = "Task"
    resolve_transition_id: str | None = None
    reopen_transition_id: str | None = None
    timeout_seconds: float = 10.0
    grouping: Grouping = "finding"

    _tls = field_validator("url")(tls_only)


SinkConfig = Annotated[
    OutboxSinkConfig | WebhookSinkConfig | EmailSinkConfig | TheHiveSinkConfig | JiraSinkConfig,
    Field(discriminator="type"),
]


class TicketsConfig(_Section):
    """Incident tickets (Res. MITIC 346/2020). Recipient and deadline are settings: the resolution's text
    was not available to check them (see the README)."""

    lang: Literal["es", "en"] = "es"
    recipient: str | None = "CERT-PY (Centro de Respuestas ante Incidentes Cibernéticos, MITIC)"
    deadline_hours: int | None = None
    baseline_first_run: bool = False
    max_new_per_run: int = 20
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    sinks: dict[str, SinkConfig] = {"outbox": OutboxSinkConfig()}


class InstitutionSchedule(_Section):
    cron: str

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)


def check_cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(t("inputs.cron", reason=exc)) from None
    return value


class ScheduleConfig(_Section):
    """The nightly run (and optional extra per-institution runs) of `auditor schedule`."""

    cron: str = "0 2 * * *"
    timezone: str = "America/Asuncion"
    misfire_grace_seconds: int = 3600
    lock_wait_seconds: float = 900.0  # a scheduled run waits this long for an on-demand one to finish
    institutions: dict[str, InstitutionSchedule] = {}
    # The web application's users' daily email digest (sent only when an email sink is configured); None: off.
    digest_cron: str | None = "0 7 * * *"

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("digest_cron")
    @classmethod
    def _valid_digest_cron(cls, value: str | None) -> str | None:
        return check_cron(value) if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(t("inputs.timezone", value=value)) from None
        return value


class RetentionConfig(_Section):
    """How long what can be re-made or is only supporting is kept; findings, their events, tickets and the
    audit trail are kept (they are the record). `auditor prune` applies it."""

    # Snapshots older than this are deleted, except each account's latest (the next run compares with it):
    # runs before it can no longer be replayed (`auditor reevaluate`).
    snapshot_days: int = Field(default=400, ge=1)
    # Run folders older than this are deleted (0: by count only, `reports.keep_runs`).
    run_folder_days: int = Field(default=0, ge=0)


class Config(_Section):
    # The file this configuration was read from (None: no file, defaults); not a key of the file.
    _source: Path | None = PrivateAttr(default=None)
    store: StoreConfig = StoreConfig()
    inventory: InventoryConfig = InventoryConfig()
    policies: PoliciesConfig = PoliciesConfig()
    reports: ReportsConfig = ReportsConfig()
    audit: AuditConfig = AuditConfig()
    connectors: dict[str, ConnectorSettings] = {}
    credentials: dict[str, CredentialRef] = {}
    tickets: TicketsConfig = TicketsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    retention: RetentionConfig = RetentionConfig()

    @property
    def source(self) -> Path | None:
        return self._source

    def resolved(self, base: Path) -> Config:
        """Paths made absolute against the config file's folder."""

        def fix(p: Path | None) -> Path | None:
            return p if p is None or p.is_absolute() else base / p

        return self.model_copy(
            update={
                "store": StoreConfig(path=fix(self.store.path)),
                "inventory": InventoryConfig(paths=[fix(p) for p in self.inventory.paths]),
                "policies": PoliciesConfig(profile=fix(self.policies.profile), waivers=fix(self.policies.waivers)),
                "reports": self.reports.model_copy(update={"out": fix(self.reports.out)}),
                "credentials": {
                    name: ref.model_copy(update={"file": fix(ref.file)}) for name, ref in self.credentials.items()
                },
                "tickets": self.tickets.model_copy(
                    update={
                        "sinks": {
                            name: sink.model_copy(update={"path": fix(sink.path)})
                            if isinstance(sink, OutboxSinkConfig)
                            else sink
                            for name, sink in self.tickets.sinks.items()
                        }
                    }
                ),
            }
        )


def _line_of(text: str, loc: tuple[object, ...]) -> int:
    """The line where a key is set: tomllib keeps no positions, so look for `key =` under the deepest table
    header (`[tickets.sinks.hook]`) that the error's location starts with; else that header's own line."""
    parts = [str(p) for p in loc]
    table: list[str] = []
    best = (0, -1)  # (line, depth of its table)
    header = (0, -1)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = [p.strip().strip('"') for p in stripped.strip("[]").split(".")]
            if parts[: len(table)] == table and len(table) > header[1]:
                header = (number, len(table))
            continue
        if parts[: len(table)] != table:
            continue
        if stripped.split("=", 1)[0].strip() == parts[-1] and len(table) > best[1]:
            best = (number, len(table))
    return best[0] or header[0]


def find_config(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("AUDITOR_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / CONFIG_NAME
    return local if local.exists() else None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError([Problem(name, 0, "", t("inputs.config_not_found"))]) from None
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0) or 0
        raise InputError([Problem(name, line, "", t("inputs.toml_syntax", reason=exc))]) from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            msg = t("inputs.unknown_key") if err["type"] == "extra_forbidden" else describe(err)
            problems.append(Problem(name, _line_of(text, err["loc"]), key, msg))
        raise InputError(problems) from None
    resolved = config.resolved(path.parent)
    resolved._source = path
    return resolved
