"""Messages of `auditor bench --realistic`: the figure an operator plans the nightly window with."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "bench.realistic_header": {
        "es": "{accounts} cuentas ({institutions} instituciones × {per}), inicio {start} (America/Asuncion); "
        "demanda medida en {sample} cuentas de muestra ({requests} solicitudes, {lookups} búsquedas de "
        "parecidos por cuenta)",
        "en": "{accounts} accounts ({institutions} institutions × {per}), starting {start} (America/Asuncion); "
        "demand measured on {sample} sample accounts ({requests} requests, {lookups} look-alike lookups "
        "each)",
    },
    "bench.realistic_row": {
        "es": "{limit}: {units} unidades de {allowance} por {window} ({scope}): {duration}",
        "en": "{limit}: {units} units of {allowance} per {window} ({scope}): {duration}",
    },
    "bench.scope_app": {"es": "una para el país", "en": "one for the country"},
    "bench.scope_credential": {
        "es": "cada una de {keys} credenciales",
        "en": "each of {keys} credentials",
    },
    "bench.dominates": {"es": "← domina", "en": "← dominates"},
    "bench.realistic_total": {
        "es": "El país tarda {duration}; lo fija {limit}.",
        "en": "The country takes {duration}, set by {limit}.",
    },
    "bench.advice_quota": {
        "es": "{limit}: el país necesita {units} unidades de las {allowance} de un día; el conector se detiene en "
        "la cuota (`quotaExceeded`) y el resto queda como limitado cada noche: baje `[audit] "
        "lookalike_lookups_per_account`, reparta las claves en proyectos o pida más cuota a Google",
        "en": "{limit}: the country needs {units} units of a day's {allowance}; the connector stops at the quota "
        "(`quotaExceeded`), so the rest is recorded rate-limited each night: lower `[audit] "
        "lookalike_lookups_per_account`, split the keys over projects or ask Google for more quota",
    },
    "bench.advice_wait": {
        "es": "{limit}: esperas de hasta {duration} a la ventana siguiente, más que `max_wait_seconds` ({max_wait} s):"
        " con ese valor las cuentas más allá de la primera ventana quedan como limitadas; ponga `{section} "
        "max_wait_seconds = {seconds}`",
        "en": "{limit}: waits of up to {duration} for the next window, above `max_wait_seconds` ({max_wait} s): "
        "with that setting the accounts past the first window are recorded rate-limited; set `{section} "
        "max_wait_seconds = {seconds}`",
    },
}
