"""What the demo's people answer between "yesterday's" run and today's, through the same application
functions the CLI calls, so the first `make demo` shows every state: a declaration that closes an item, an
expired one, a «no cumple», one the platform contradicts, a departure declared, a confirmed false positive
(its ticket resolved), a plan past its date, a legitimate person, a comment and a pending waiver request."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from auditor.app.declare import AnnotateRequest, DeclareRequest, annotate, confirm, declare
from auditor.app.people import Identity
from auditor.app.waiver_requests import WaiverAsk, request_waiver
from auditor.config import Config
from auditor.model.clock import local_date
from auditor.store import Store

DIRECTOR = Identity("Laura Giménez", "3123456", "director", os_user="demo")
RSI = Identity("Óscar Villalba", "2345678", "rsi", os_user="demo")
RSI_AGUAS = Identity("Diego Rolón", "4234567", "rsi", os_user="demo")
RSI_DEPORTES = Identity("Silvia Ojeda", "3765432", "rsi", os_user="demo")
CENTRAL = Identity("Marta Acosta (MITIC)", "1987654", "central", os_user="demo")


def _fingerprint(store: Store, policy: str, account: str | None, subject_start: str = "") -> str | None:
    return next(
        (
            f.fingerprint
            for f in store.findings(status="open")
            if f.policy_id == policy and f.account == account and f.subject.startswith(subject_start)
        ),
        None,
    )


def seed_demo_answers(db: Path, now: datetime) -> None:
    config = Config()
    today = local_date(now)

    def said(who: Identity, **fields: object) -> int:
        declaration, _ = declare(config, who, DeclareRequest(**fields), db=db, now=now)  # type: ignore[arg-type]
        return declaration.id

    said(
        DIRECTOR,
        institution="mprueba",
        item="CHK-04",
        answer="cumple",
        account="mprueba-fb",
        evidence="Gestor de contraseñas institucional; cierre de sesión al terminar cada turno.",
    )
    said(
        DIRECTOR,
        institution="mprueba",
        item="CHK-03",
        answer="cumple",
        account="mprueba-fb",
        evidence="Plan de octubre aprobado (memo DC 2026-118).",
        declared_on=today - timedelta(days=45),
    )
    said(
        RSI,
        institution="mprueba",
        item="ATR-x-two_factor",
        answer="no_cumple",
        account="mprueba-x",
        evidence="El usuario de X no tiene activada la verificación en dos pasos.",
    )
    said(
        RSI_AGUAS,
        institution="aguas",
        item="ATR-facebook-two_factor",
        answer="cumple",
        account="aguas-fb",
        evidence="Declarado en la revisión anual: todos usan verificación en dos pasos.",
    )
    said(
        RSI,
        institution="mprueba",
        item="CHK-11",
        answer="cumple",
        person="2876543",
        evidence="Contraseñas cambiadas y sesiones cerradas el día de la baja (acta 2026-31).",
    )
    protocol = said(
        RSI_DEPORTES,
        institution="deportes",
        item="CHK-12",
        answer="cumple",
        account="deportes-tiktok",
        evidence="Protocolo de uso del RSI 2026-07 con análisis de riesgo.",
        document_ref="RSI-PU-2026-07",
    )
    request_waiver(
        config,
        RSI_DEPORTES,
        WaiverAsk(
            id="w-deportes-tiktok-login",
            rule="INV-014",
            institution="deportes",
            account="deportes-tiktok",
            rationale="TikTok no tiene usuarios individuales: dos personas usan el único usuario bajo el protocolo.",
            protocol_ref=f"declaracion:{protocol}",
            expires=today + timedelta(days=300),
        ),
        db=db,
        now=now,
    )
    with Store(db) as store:
        wrong = _fingerprint(store, "ACC-001", "mprueba-fb")
        plan = _fingerprint(store, "AUT-001", "aguas-fb")
        legit = _fingerprint(store, "ACC-001", "una-pol-zoom")
        dormant = _fingerprint(store, "LIF-002", "una-yt")
    if wrong:
        proposed, _ = annotate(
            config,
            RSI,
            AnnotateRequest(
                wrong,
                "resultado_incorrecto",
                "Es la agencia registrada en el Formulario B con su id "
                "anterior; el id se corrige en la próxima actualización.",
            ),
            db=db,
            now=now,
        )
        confirm(config, CENTRAL, proposed.id, db=db, now=now)
    if plan:
        annotate(
            config,
            RSI_AGUAS,
            AnnotateRequest(
                plan,
                "en_tratamiento",
                "Exigir verificación en dos pasos a todos en Meta Business.",
                today - timedelta(days=5),
            ),
            db=db,
            now=now,
        )
    if legit:
        annotate(
            config,
            DIRECTOR,
            AnnotateRequest(
                legit, "persona_legitima", "Técnico de soporte de salas, funcionario; falta su Formulario B."
            ),
            db=db,
            now=now,
        )
    if dormant:
        annotate(
            config,
            DIRECTOR,
            AnnotateRequest(dormant, "comentario", "El canal se reactiva con la campaña de inscripciones."),
            db=db,
            now=now,
        )
