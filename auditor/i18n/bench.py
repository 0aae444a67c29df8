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
    "bench.no_doc_folder": {
        "es": "no existe la carpeta {folder} donde escribir la tabla",
        "en": "no folder {folder} to write the table in",
    },
    "bench.unattributed": {
        "es": "! {n} solicitudes de la muestra no gastan ningún límite modelado (no cuentan en el tiempo): {paths}",
        "en": "! {n} sample requests spend no modelled limit (not counted in the time): {paths}",
    },
    "bench.window.15min": {"es": "15 min", "en": "15 min"},
    "bench.window.minute": {"es": "minuto", "en": "minute"},
    "bench.window.24h": {"es": "24 h", "en": "24 h"},
    "bench.window.day-pacific": {
        "es": "día (se repone a medianoche del Pacífico)",
        "en": "day (reset at midnight Pacific)",
    },
    # Where each modelled limit comes from; «supuesto» where the platform publishes no figure.
    "bench.source.x-users-by-username": {
        "es": "docs.x.com, búsqueda de usuarios: 300 solicitudes cada 15 min por app y por endpoint",
        "en": "docs.x.com users lookup: 300 requests / 15 min per app, per endpoint",
    },
    "bench.source.x-users-by": {
        "es": "docs.x.com, búsqueda de usuarios: 300 solicitudes cada 15 min por app y por endpoint "
        "(100 nombres por solicitud)",
        "en": "docs.x.com users lookup: 300 requests / 15 min per app, per endpoint (100 usernames a request)",
    },
    "bench.source.x-user-tweets": {
        "es": "docs.x.com, límites (Basic): 1.500 solicitudes cada 15 min por app; depende del plan",
        "en": "docs.x.com rate limits (Basic): 1,500 requests / 15 min per app; tier-dependent",
    },
    "bench.source.x-users": {
        "es": "docs.x.com, búsqueda de usuarios: 300 solicitudes cada 15 min por app y por endpoint",
        "en": "docs.x.com users lookup: 300 requests / 15 min per app, per endpoint",
    },
    "bench.source.youtube-units": {
        "es": "developers.google.com/youtube/v3/determine_quota_cost: 10.000 unidades por día y proyecto, "
        "repuestas a medianoche del Pacífico; search.list 100 unidades, los list 1",
        "en": "developers.google.com/youtube/v3/determine_quota_cost: 10,000 units / day per project, reset at "
        "midnight Pacific; search.list 100 units, list methods 1",
    },
    "bench.source.meta-buc-pages": {
        "es": "supuesto: el límite Business Use Case de Páginas de Meta es 4.800 × usuarios activos por 24 h; "
        "aquí 4.800 por usuario del sistema (un usuario activo), lo menos que puede ser",
        "en": "assumed: Meta's Business Use Case limit for Pages is 4,800 × engaged users per 24 h; counted "
        "here as 4,800 per system user (one engaged user), the least it can be",
    },
    "bench.source.linkedin-app-daily": {
        "es": "supuesto: LinkedIn no publica la cifra (Developer Portal → Analytics muestra la de la app); "
        "100.000 por día",
        "en": "assumed: LinkedIn publishes no figure (Developer Portal → Analytics shows the app's); 100,000 / day",
    },
    "bench.source.directory-per-minute": {
        "es": "developers.google.com/admin-sdk/directory/v1/limits: 2.400 consultas por minuto, usuario y proyecto",
        "en": "developers.google.com/admin-sdk/directory/v1/limits: 2,400 queries / min per user per project",
    },
}
