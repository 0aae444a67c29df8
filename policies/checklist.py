"""The checklist: every duty of the guide that no platform shows, as items an institution declares
(`../shared/POLICIES.md`, section «Declarations»). Data, with stable ids: CHK-01…CHK-12, and one attribute
item (`ATR-<platform>-<attribute>`) for each attribute a platform does not expose.

Which item applies where is decided here, from the register alone; whether it is answered, expired or
contradicted is decided by `policies.declared`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from auditor.model import AccountKind, AccountStatus, Platform, RegisteredAccount
from auditor.model.declarations import ChecklistItem, ItemScope
from auditor.model.inventory import LoginMode, Role
from auditor.model.platforms import PLATFORMS

A, P = ItemScope.ACCOUNT, ItemScope.PERSON
ANY_STATUS = [AccountStatus.ACTIVE, AccountStatus.ARCHIVED, AccountStatus.BAJA]

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        id="CHK-01",
        guide_ref="6.1.1.II",
        question_es="¿Está designado por documento firmado por el director (administrador o community manager)?",
        question_en="Is the person designated by a document signed by the director (administrator or CM)?",
        scope=P,
        roles=[Role.ADMINISTRADOR, Role.COMMUNITY_MANAGER],
        rule="INV-005",
    ),
    ChecklistItem(
        id="CHK-02",
        guide_ref="6.1.1.II",
        question_es="¿Un revisor institucional aprueba el contenido cuando el community manager es tercerizado?",
        question_en="Does an institutional reviewer approve content when the CM is outsourced?",
        scope=A,
        rule="INV-007",
    ),
    ChecklistItem(
        id="CHK-03",
        guide_ref="6.1.1.III–V",
        question_es="¿El plan mensual de contenidos está aprobado por el director y las publicaciones lo siguen?",
        question_en="Is the monthly content plan approved by the director, and do publications follow it?",
        scope=A,
        validity_months=1,
    ),
    ChecklistItem(
        id="CHK-04",
        guide_ref="6.1.1.IV",
        question_es="¿Las contraseñas son robustas y únicas, y se cierran las sesiones después de usarlas?",
        question_en="Are passwords strong and unique, and are sessions closed after use?",
        scope=A,
        validity_months=6,
    ),
    ChecklistItem(
        id="CHK-05",
        guide_ref="6.1.1.III–IV",
        question_es="¿Se accede solo desde dispositivos institucionales o asegurados?",
        question_en="Is the account accessed only from institutional or secured devices?",
        scope=A,
        validity_months=6,
    ),
    ChecklistItem(
        id="CHK-06",
        guide_ref="6.1.1.III–IV",
        question_es="¿El administrador conoce y aplica las directivas de seguridad y supervisa al community manager?",
        question_en="Does the administrator know and apply the security directives and supervise the CM?",
        scope=P,
        validity_months=12,
        roles=[Role.ADMINISTRADOR],
    ),
    ChecklistItem(
        id="CHK-07",
        guide_ref="6.1.1.V",
        question_es="¿Se cumplen las reglas de contenido (lenguaje, imágenes, privacidad de menores, "
        "republicaciones, etiquetas, cuentas seguidas)?",
        question_en="Are the content rules followed (language, images, minors' privacy, reposts, tags, followed "
        "accounts)?",
        scope=A,
        validity_months=12,
    ),
    ChecklistItem(
        id="CHK-08",
        guide_ref="6.1.2, §4",
        question_es="¿Se informó al MITIC de la cuenta de apoyo, se analizó su pertinencia y su objetivo está en el "
        "plan anual?",
        question_en="Was MITIC informed of the support account, its pertinence analysed and its objective placed in "
        "the annual plan?",
        scope=A,
        kinds=[AccountKind.APOYO],
        rule="INV-011",
    ),
    ChecklistItem(
        id="CHK-09",
        guide_ref="6.1.3",
        question_es="¿El contenido de la cuenta de autoridad sigue la guía de comunicación del Ejecutivo y la MAI "
        "fue informada del uso permitido?",
        question_en="Does the authority account follow the Executive's communication guide, and was the MAI "
        "informed of its permitted use?",
        scope=A,
        kinds=[AccountKind.AUTORIDAD],
        validity_months=12,
    ),
    ChecklistItem(
        id="CHK-10",
        guide_ref="6.1.4",
        question_es="¿Se hizo una copia de respaldo antes de archivar la cuenta (la plataforma no permite archivar)?",
        question_en="Was a backup made before archiving (the platform cannot archive)?",
        scope=A,
        statuses=[AccountStatus.ARCHIVED],
        rule="LIF-004",
    ),
    ChecklistItem(
        id="CHK-11",
        guide_ref="6.1.1.III, 6.1.4",
        question_es="Tras la salida o el cambio del responsable, ¿se cambiaron las contraseñas, se cerraron las "
        "sesiones, se actualizaron correo y teléfono y se revisaron los roles?",
        question_en="After the departure or change of the person responsible, were passwords changed, sessions "
        "closed, email and phone updated and roles reviewed?",
        scope=P,
        statuses=ANY_STATUS,
        rule="LIF-007",
        on_event=True,
    ),
    ChecklistItem(
        id="CHK-12",
        guide_ref="6.1.6",
        question_es="¿Existe el protocolo de uso del RSI y su análisis de riesgo para la cuenta sin usuarios "
        "individuales?",
        question_en="Is there an RSI usage protocol and risk analysis for the account without individual users?",
        scope=A,
        validity_months=12,
        rule="INV-014",
    ),
)

# Attributes a platform may not expose, the question a person answers instead, and the rule that judges it.
ATTRIBUTES: dict[str, tuple[str, str, str | None]] = {
    "status": ("¿La cuenta está activa y pública?", "Is the account active and public?", "IDN-008"),
    "handle": (
        "¿El nombre de perfil es el registrado en el Formulario A?",
        "Is the handle the one registered on Formulario A?",
        "IDN-002",
    ),
    "display_name": ("¿El nombre visible es el registrado?", "Is the display name the registered one?", "IDN-003"),
    "linked_emails": (
        "¿El correo asociado a la cuenta es institucional?",
        "Is the email linked to the account institutional?",
        "AUT-004",
    ),
    "phone": (
        "¿El teléfono asociado es el registrado y lo controla el administrador?",
        "Is the linked phone the registered one, controlled by the administrator?",
        "AUT-006",
    ),
    "two_factor": (
        "¿La verificación en dos pasos es obligatoria para todos los que acceden?",
        "Is two-factor authentication required for everyone with access?",
        "AUT-001",
    ),
    "members.two_factor": (
        "¿Cada usuario con acceso tiene activada la verificación en dos pasos?",
        "Has every user with access turned two-factor authentication on?",
        "AUT-002",
    ),
    "login_two_factor": (
        "¿El usuario de la cuenta tiene activada la verificación en dos pasos?",
        "Has the account's login two-factor authentication on?",
        "AUT-002",
    ),
    "verification": (
        "¿La cuenta tiene la insignia de verificación?",
        "Does the account have its verification badge?",
        "IDN-004",
    ),
    "members": (
        "¿Los usuarios con acceso y sus roles son exactamente los del Formulario B?",
        "Are the users with access and their roles exactly those on Formulario B?",
        "ACC-005",
    ),
    "last_activity": (
        "¿La cuenta publicó en los últimos 90 días?",
        "Did the account publish in the last 90 days?",
        "LIF-002",
    ),
    "alternative_handle_owner": (
        "¿El nombre de perfil alternativo está en poder de la institución?",
        "Does the institution hold the alternative handle?",
        "IDN-006",
    ),
}
ATTRIBUTE_VALIDITY_MONTHS = 6
# Platforms with an archive or unpublish function (6.1.4): the social networks, whose accounts can be
# unpublished, made private or protected (Facebook unpublish, Instagram/TikTok private, X protected, YouTube
# private/unlisted, LinkedIn deactivated); there LIF-004 checks the platform. Non-social services (Zoom,
# Mailchimp, Google Workspace/Drive) have no public face to archive: a backup is declared instead (CHK-10).
ARCHIVABLE = frozenset(p for p, info in PLATFORMS.items() if info.social)


@functools.cache  # asked of every account each run; items are shared, as CHECKLIST's are
def attribute_item(platform: Platform, attribute: str) -> ChecklistItem:
    es, en, rule_id = ATTRIBUTES[attribute]
    return ChecklistItem(
        id=f"ATR-{platform.value}-{attribute}",
        guide_ref="—",
        question_es=es,
        question_en=en,
        scope=A,
        validity_months=ATTRIBUTE_VALIDITY_MONTHS,
        rule=rule_id,
        platforms=[platform],
        attribute=attribute,
    )


def item(item_id: str) -> ChecklistItem | None:
    """The item with this id: a CHK item, or a well-formed attribute item."""
    found = next((i for i in CHECKLIST if i.id == item_id), None)
    if found is not None or not item_id.startswith("ATR-"):
        return found
    _, platform, attribute = item_id.split("-", 2)
    if attribute not in ATTRIBUTES or platform not in {p.value for p in Platform}:
        return None
    return attribute_item(Platform(platform), attribute)


def single_login(account: RegisteredAccount) -> bool:
    """One login for everyone (a shared login, or a platform without individual users): 6.1.6's protocol."""
    return account.login_mode is LoginMode.SHARED or not PLATFORMS[account.platform].multi_user


def applies_to_account(entry: ChecklistItem, account: RegisteredAccount, has_outsourced_cm: bool = False) -> bool:
    """Whether an account item concerns this account, from the register (and the platform's nature)."""
    if entry.scope is not A or entry.attribute is not None or entry.on_event:
        return False
    if account.status not in entry.statuses:
        return False
    if entry.kinds and account.kind not in entry.kinds:
        return False
    if entry.platforms and account.platform not in entry.platforms:
        return False
    if entry.id == "CHK-02":
        return has_outsourced_cm
    if entry.id == "CHK-10":
        return account.platform not in ARCHIVABLE
    if entry.id == "CHK-12":
        return single_login(account)
    return True


def account_items(account: RegisteredAccount, has_outsourced_cm: bool = False) -> list[ChecklistItem]:
    return [i for i in CHECKLIST if applies_to_account(i, account, has_outsourced_cm)]


def person_items(roles: Iterable[Role | None], account: RegisteredAccount) -> list[ChecklistItem]:
    """The person items a person's roles on an account in force call for (CHK-01, CHK-06)."""
    held = set(roles)
    return [
        i for i in CHECKLIST if i.scope is P and not i.on_event and account.status in i.statuses and held & set(i.roles)
    ]
