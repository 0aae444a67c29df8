"""What the command line and the application layer say: outcomes, warnings and errors."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Naming things that exist (auditor.app.lookup)
    "lookup.unknown": {"es": "no existe {kind} «{value}»; {hint}", "en": "there is no {kind} '{value}'; {hint}"},
    "lookup.closest": {"es": "las más parecidas: {near}", "en": "the closest: {near}"},
    "lookup.none_known": {"es": "no hay ninguna registrada", "en": "none is registered"},
    "lookup.kind.institution": {"es": "la institución", "en": "institution"},
    "lookup.kind.account": {"es": "la cuenta", "en": "account"},
    "lookup.kind.run": {"es": "la ejecución", "en": "run"},
    "lookup.no_store": {
        "es": "no hay almacén en {path} ({where}); indique la configuración con --config ARCHIVO o el almacén "
        "con --db RUTA",
        "en": "there is no store at {path} ({where}); name the configuration with --config FILE or the store "
        "with --db PATH",
    },
    "lookup.config_used": {"es": "configuración leída de {config}", "en": "configuration read from {config}"},
    "lookup.no_config": {"es": "no se encontró {name} en {folder}", "en": "no {name} found in {folder}"},
    "lookup.no_runs": {
        "es": "el almacén {path} no tiene ninguna ejecución registrada",
        "en": "the store {path} has no recorded run",
    },
    "lookup.run_not_recorded": {
        "es": "la ejecución #{id} está {status}: no registró hallazgos",
        "en": "run #{id} is {status}: it recorded no findings",
    },
    "lookup.no_accounts_on": {
        "es": "no hay cuentas registradas en {platforms} dentro del alcance (plataformas con cuentas: {known})",
        "en": "no registered account on {platforms} within the scope (platforms with accounts: {known})",
    },
    "lookup.empty_scope": {
        "es": "la combinación de --institution, --platform y --account no selecciona ninguna cuenta registrada",
        "en": "the combination of --institution, --platform and --account selects no registered account",
    },
    "audit.unedited_starter": {
        "es": "el inventario todavía tiene los valores de ejemplo de `auditor init` ({where}): reemplácelos por los "
        "datos reales de la institución antes de auditar",
        "en": "the inventory still holds the example values of `auditor init` ({where}): replace them with the "
        "institution's real data before auditing",
    },
    # How a run ended (auditor.app.outcome)
    "outcome.accounts_failed": {
        "es": "{platform}: {error} ({counted}: {accounts})",
        "en": "{platform}: {error} ({counted}: {accounts})",
    },
    "outcome.checks_failed": {
        "es": "{counted} sin poder leer sus datos en la plataforma",
        "en": "{counted} could not read their data on the platform",
    },
    "outcome.unknown_reason": {"es": "motivo no registrado", "en": "reason not recorded"},
    # The store's single-writer lock (auditor.lock)
    "lock.busy": {
        "es": "otra auditoría está escribiendo {store} ({holder}); se esperó {waited:.0f} s. Intente más tarde o "
        "use --wait SEGUNDOS.",
        "en": "another audit is writing {store} ({holder}); waited {waited:.0f} s. Try again later or pass "
        "--wait SECONDS.",
    },
    "files.unsafe": {"es": "{path}: no se escribe ahí: {reason}", "en": "{path}: refusing to write there: {reason}"},
    "files.symlink": {"es": "es un enlace simbólico", "en": "it is a symbolic link"},
    "files.other_owner": {"es": "pertenece a otro usuario", "en": "it belongs to another user"},
    "files.writable_by_others": {
        "es": "el grupo u otros usuarios pueden escribir en la carpeta (ejecute `chmod 700`)",
        "en": "group or other users can write to the folder (run `chmod 700`)",
    },
    "files.not_a_file": {"es": "no es un archivo común", "en": "it is not a regular file"},
    "files.tightened": {
        "es": "{path} tenía permisos {mode}: se restringieron a 0600 (solo el propietario)",
        "en": "{path} had mode {mode}: tightened to 0600 (owner only)",
    },
    "lock.unknown_holder": {"es": "proceso desconocido", "en": "unknown holder"},
    # Errors (auditor.cli.main)
    "cli.problems": {
        "es": "{counted}; no se importó ni escribió nada.",
        "en": "{counted}; nothing was imported or written.",
    },
    "cli.error": {"es": "error: {message}", "en": "error: {message}"},
    "cli.prune.would": {"es": "se borrarían: ", "en": "would delete: "},
    "cli.prune.did": {"es": "borrado: ", "en": "deleted: "},
    "cli.prune.snapshots": {
        "es": "{count} instantáneas anteriores al {date} (se conserva la última de cada cuenta)",
        "en": "{count} snapshots older than {date} (each account's latest is kept)",
    },
    "cli.prune.folders": {"es": "{count} carpetas de ejecución", "en": "{count} run folders"},
    "cli.store_unusable": {
        "es": "error: el almacén no se puede usar: {message}",
        "en": "error: the store cannot be used: {message}",
    },
    "cli.internal_error": {
        "es": "error interno ({kind}): {message}. Repita con -vv para ver el detalle.",
        "en": "internal error ({kind}): {message}. Run again with -vv for details.",
    },
    # Audits and reports (auditor.cli.audit)
    "cli.progress": {"es": "auditando cuentas", "en": "auditing accounts"},
    "cli.progress_errors": {
        "es": "auditando cuentas ({count} no se pudieron auditar)",
        "en": "auditing accounts ({count} could not be audited)",
    },
    "cli.run_summary": {
        "es": "ejecución #{id} ({status}{mode}): {open}{by_severity}, {waived}, {new}, {resolved}",
        "en": "run #{id} ({status}{mode}): {open}{by_severity}, {waived}, {new}, {resolved}",
    },
    "cli.mode_inventory": {"es": ", solo inventario", "en": ", inventory only"},
    "cli.incomplete_because": {"es": "  incompleta porque: {reason}", "en": "  incomplete because: {reason}"},
    "cli.screenshot": {"es": "captura: {path}", "en": "screenshot: {path}"},
    "cli.no_screenshot": {"es": "aviso: sin captura: {reason}", "en": "warning: no screenshot: {reason}"},
    "cli.report": {"es": "informe: {path}", "en": "report: {path}"},
    "cli.replayed": {
        "es": "ejecución #{old} reevaluada como ejecución #{new}",
        "en": "replayed run #{old} as run #{new}",
    },
    "cli.tickets_held": {
        "es": "AVISO: {held} ticket(s) de incidente nuevos por encima del tope por ejecución ({cap}) quedaron "
        "RETENIDOS para revisión y no se enviaron: `auditor tickets list --status held`, luego "
        "`auditor tickets retry ID` para liberar uno.",
        "en": "WARNING: {held} new incident ticket(s) over the per-run cap ({cap}) are HELD for review and were "
        "not sent: `auditor tickets list --status held`, then `auditor tickets retry ID` to release one.",
    },
    "cli.tickets_delivered": {
        "es": "tickets: {delivered} entregados, {skipped} omitidos, {failed} fallidos",
        "en": "tickets: {delivered} delivered, {skipped} skipped, {failed} failed",
    },
    # Inventory
    "cli.inventory_summary": {
        "es": "{institutions} · {accounts} · {people}",
        "en": "{institutions} · {accounts} · {people}",
    },
    "cli.inventory_valid": {"es": "válido: {summary}", "en": "valid: {summary}"},
    "cli.inventory_imported": {"es": "importado en {store}: {summary}", "en": "imported into {store}: {summary}"},
    "cli.no_inventory": {"es": "sin inventario", "en": "no inventory"},
    # Policies
    "cli.unknown_rule": {"es": "no existe la regla «{id}»", "en": "unknown rule '{id}'"},
    "cli.rule_facts": {
        "es": "severidad: {severity}    guía: {guide}    necesita: {needs}",
        "en": "severity: {severity}    guide: {guide}    needs: {needs}",
    },
    "cli.rule_graded": {"es": "  severidad {severity} {when}", "en": "  severity {severity} {when}"},
    "cli.incident_mark": {"es": "incidente", "en": "incident"},
    "cli.rule_incident": {"es": "incidente: {category}    {rsit}", "en": "incident: {category}    {rsit}"},
    "cli.rule_params": {
        "es": "parámetros (se ajustan en el perfil): {params}",
        "en": "parameters (set in the profile): {params}",
    },
    "cli.readme_updated": {"es": "actualizado {path}", "en": "updated {path}"},
    # Tickets
    "cli.no_tickets": {"es": "no hay tickets", "en": "no tickets"},
    "cli.no_tickets_with": {"es": "no hay tickets en estado {status}", "en": "no tickets with status {status}"},
    # Operations
    "cli.config_problems": {"es": "{counted}", "en": "{counted}"},
    "cli.config_ok": {
        "es": "configuración correcta: {summary}; {credentials} credencial(es) resuelven; {sinks} destino(s) de "
        "tickets; programación «{cron}» ({timezone})",
        "en": "configuration ok: {summary}; {credentials} credential(s) resolve; {sinks} ticket sink(s); "
        "schedule '{cron}' ({timezone})",
    },
    "cli.credential_ok": {"es": "ok", "en": "ok"},
    "cli.credential_failed": {"es": "FALLA", "en": "FAILED"},
    "cli.expires": {"es": "vence el {date}", "en": "expires {date}"},
    "cli.no_expiry": {"es": "sin vencimiento informado", "en": "no expiry reported"},
    "cli.no_credentials_in_use": {
        "es": "el inventario no nombra ninguna credencial: no hay nada que probar. Agregue `credential:` a las "
        "cuentas y defínalas en [credentials] de {config}",
        "en": "the inventory names no credential: there is nothing to check. Add `credential:` to the accounts "
        "and define them under [credentials] in {config}",
    },
    "cli.run_line": {
        "es": "#{id:<5} {time}  {type:<13} {mode:<10} {status:<11} {scope:<20} cobertura {coverage:.0%}",
        "en": "#{id:<5} {time}  {type:<13} {mode:<10} {status:<11} {scope:<20} coverage {coverage:.0%}",
    },
    "cli.scope_all": {"es": "todas", "en": "all"},
    "cli.run_mode.live": {"es": "en vivo", "en": "live"},
    "cli.run_mode.inventory": {"es": "inventario", "en": "inventory"},
    "cli.findings_count": {"es": "{counted}", "en": "{counted}"},
    "cli.no_datasette": {
        "es": "Datasette no está instalado: pip install datasette (o el extra [browse]), luego `datasette {path}`",
        "en": "Datasette is not installed: pip install datasette (or the [browse] extra), then `datasette {path}`",
    },
    "cli.sandbox_listening": {"es": "sandbox escuchando en {url}", "en": "sandbox listening on {url}"},
    "cli.wrote": {"es": "escrito {path}", "en": "wrote {path}"},
    "cli.init_next": {
        "es": "siguiente paso: edite {inventory} y {config}, luego ejecute `auditor audit` en {folder}",
        "en": "next: edit {inventory} and {config}, then run `auditor audit` in {folder}",
    },
    "cli.users.password_prompt": {"es": "Contraseña", "en": "Password"},
    "cli.users.added": {
        "es": "usuario «{username}» agregado: {role}, instituciones: {institutions}",
        "en": "user {username!r} added: {role}, institutions: {institutions}",
    },
    "cli.users.disabled": {"es": "deshabilitado", "en": "disabled"},
    "cli.users.disabled_done": {
        "es": "usuario «{username}» deshabilitado; sus sesiones terminaron",
        "en": "user {username!r} disabled; their sessions ended",
    },
    "cli.users.enabled_done": {"es": "usuario «{username}» habilitado", "en": "user {username!r} enabled"},
    "cli.users.reset_done": {
        "es": "contraseña de «{username}» cambiada; sus sesiones terminaron",
        "en": "password of {username!r} changed; their sessions ended",
    },
    "cli.users.digest_done": {
        "es": "resumen diario de «{username}»: {state}",
        "en": "daily digest of {username!r}: {state}",
    },
    "cli.serve.needs_tls": {
        "es": "«{host}» no es la máquina local: las contraseñas solo viajan cifradas. Use --behind-https (un proxy "
        "con TLS delante, ver docs/deploy.md) o --tls-cert/--tls-key",
        "en": "{host!r} is not this machine: passwords travel encrypted only. Use --behind-https (a TLS reverse "
        "proxy in front, see docs/deploy.md) or --tls-cert/--tls-key",
    },
    "cli.serve.cert_and_key": {"es": "--tls-cert y --tls-key van juntos", "en": "--tls-cert and --tls-key go together"},
    "cli.serve.demo_first": {
        "es": "no existe {db}: ejecute primero `make demo`",
        "en": "{db} does not exist: run `make demo` first",
    },
    "cli.serve.demo_users": {
        "es": "usuarios de demostración y sus contraseñas (nuevas en cada arranque): {path}",
        "en": "demo users and their passwords (new at every start): {path}",
    },
    "cli.serve.no_store": {
        "es": "no existe el almacén {db}: ejecute primero una auditoría",
        "en": "store {db} does not exist: run an audit first",
    },
    "cli.serve.listening": {
        "es": "sirviendo {url} (almacén {db}); Ctrl-C para terminar",
        "en": "serving {url} (store {db}); Ctrl-C to stop",
    },
    "cli.backup.done": {
        "es": "copia de seguridad en {path}: {size} bytes, {runs} ejecuciones, esquema {version}",
        "en": "backup at {path}: {size} bytes, {runs} runs, schema {version}",
    },
}
