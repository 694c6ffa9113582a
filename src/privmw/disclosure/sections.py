"""One section builder per feature, over the feature's public configuration.

The configuration classes carry no prose: each builder here reads a config
(and the middleware's one tracker registry) and writes what it processes, why
and for how long. :func:`build` assembles the sections of a middleware.

References:
    GDPR Art. 13 (information to be provided: purposes, categories of data,
    storage period).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from privmw.accesslog import AccessLog
from privmw.clientip import ClientResolver
from privmw.consent import ConsentPolicy
from privmw.context import NECESSARY
from privmw.ratelimit import RateLimit
from privmw.tags import TagGate
from privmw.trackers import TrackerRegistry

from .model import Disclosure, Section, Table, human_duration

__all__: list[str] = []


def _section(id: str, facts: Mapping[str, object]) -> Section:
    return Section.from_describe(id, facts)


def _by_category(registry: TrackerRegistry) -> dict[str, list[str]]:
    """The disclosed vendors (selected or observed) by category."""
    out: dict[str, list[str]] = {}
    for vendor in registry.disclosed():
        out.setdefault(vendor.category, []).append(vendor.label)
    return {k: out[k] for k in sorted(out)}


def _none_declared(registry: TrackerRegistry) -> str:
    return (
        "none declared by the site or seen in its pages so far; privmw still holds back "
        f"the {len(registry.vendors)} services it knows until their category is allowed"
    )


def client_section(resolver: ClientResolver, pseudonym_retention: float | None) -> Section:
    """Client addresses: truncation, trusted proxies, scrubbing, pseudonyms."""
    truncator = resolver.truncator
    v4, v6 = truncator.v4, truncator.v6
    example4 = truncator.truncate((4, 0xCB00714D))  # 203.0.113.77
    example6 = truncator.truncate((6, 0x20010DB885A308D313198A2E03707348))
    data = [
        "the IP address of the connecting client, held in memory only while one request is answered"
    ]
    if v4 == 32:
        data.append("IPv4 addresses are kept in full (not shortened)")
    else:
        data.append(
            f"everywhere else only a shortened address: IPv4 addresses keep their first {v4} "
            f"of 32 bits (203.0.113.77 becomes {example4})"
        )
    if v6 == 128:
        data.append("IPv6 addresses are kept in full (not shortened)")
    else:
        data.append(
            f"IPv6 addresses keep their first {v6} of 128 bits "
            f"(2001:db8:85a3:8d3:1319:8a2e:370:7348 becomes {example6})"
        )
    data.append(
        "IPv6 addresses that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) "
        f"are shortened like IPv4 addresses, to {v4} bits"
    )
    networks = tuple(resolver.trusted.networks)
    if networks:
        data.append(
            f"the client address forwarded by {len(networks)} trusted proxy "
            f"network{'s' if len(networks) != 1 else ''} (headers from anyone else are ignored)"
        )
    if resolver.scrub:
        data.append(
            "headers naming the client (X-Forwarded-For, Forwarded, X-Real-IP and similar) "
            "are rewritten to the shortened address or removed before the application runs"
        )
    else:
        data.append("headers naming the client are passed to the application unchanged")
    retention = "The full address is not stored: it lives in memory for one request."
    if pseudonym_retention is not None:
        every = human_duration(pseudonym_retention)
        data.append(
            "a pseudonym: a keyed hash of the full address under a key held only in memory, "
            f"derived from the site's secret and the current period, and replaced every {every}"
        )
        retention += (
            f" Pseudonym keys are replaced every {every}; pseudonyms from before cannot be "
            "linked to an address or to later pseudonyms without the site's secret, which is "
            "never stored with them."
        )
    return Section(
        id="client",
        title="Client data and IP addresses",
        purpose="Delivering the site: the connection's address is needed to answer a request.",
        data=tuple(data),
        retention=retention,
        details={
            "ipv4_prefix_bits": v4,
            "ipv6_prefix_bits": v6,
            "embedded_ipv4": f"masked to {v4} bits like IPv4",
            "trusted_proxies": len(networks),
            "forwarding_headers_scrubbed": resolver.scrub,
            "pseudonyms": pseudonym_retention is not None,
            "pseudonym_key_rotation_seconds": pseudonym_retention,
        },
    )


def rate_limit_section(config: RateLimit) -> Section:
    """Abuse protection: what the rate-limit table holds and for how long."""
    shared = config.backend is not None
    data = [
        "a keyed hash of the client address (IPv4 first "
        f"{config.ipv4_group} bits, IPv6 first {config.ipv6_group} bits), never the address",
        "the time the client's request allowance is next restored (one timestamp)",
    ]
    keys = {repr(config.key)} | {repr(r.key) for r in config.routes if r.key is not None}
    if keys - {"Key.client()"}:
        data.append(
            "for limits per API key, signed-in user or session: a keyed hash of that value, "
            "never the value"
        )
    if config.bans is not None:
        data.append("for clients that keep exceeding the limit: how often, and ban expiry")
    limits = []
    if isinstance(config.rate, str) and len(config.rates) == 1:
        period = human_duration(config.period)
        per = "per " + (period[2:] if period.startswith("1 ") else period)
        limits.append(f"{config.count} requests {per}")
    elif isinstance(config.rate, str):
        limits.append(config.rate)
    elif config.rate is not None:
        limits.append("set per request")
    limits += [f"{r.path}: {r.rate}" for r in config.routes]
    every = human_duration(config.retention)
    if shared:
        retention = (
            f"At most {every}: the hash key is derived from a shared secret and replaced "
            f"every {every}; the hashed entries are held in a Redis/Valkey server and "
            "every one of them expires by then."
        )
    else:
        retention = (
            f"At most {every}: the hash key is random, held in server memory only and "
            f"replaced every {every}, when the table is wiped; everything is wiped when "
            "the server restarts."
        )
    return _section(
        "rate_limit",
        {
            "title": "Abuse protection (rate limiting)",
            "purpose": "Keeping the site available: separating normal visitors from abusive "
            "clients." + (f" Limit: {'; '.join(limits)}." if limits else ""),
            "data": data,
            "retention": retention,
            "details": {
                "rate": config.rate
                if isinstance(config.rate, str) or config.rate is None
                else "dynamic",
                "burst": config.burst if config.burst is not None else config.count,
                "max_clients": config.max_clients,
                "backend": "redis" if shared else "memory",
                "bans": config.bans is not None,
            },
        },
    )


def consent_section(
    policy: ConsentPolicy, registry: TrackerRegistry, signed: bool | None = None
) -> Section:
    """Consent and privacy signals: the cookie, the categories, GPC/DNT.

    ``signed``: whether the cookie is signed (default: whether ``policy.secret`` is set).
    """
    if signed is None:
        signed = policy.secret is not None
    signals = []
    if policy.gpc_denies:
        signals.append(
            "Global Privacy Control (Sec-GPC: 1) is honoured: it refuses "
            + ", ".join(policy.gpc_denies)
            + " whatever a consent cookie says"
        )
    if policy.dnt_denies:
        signals.append(
            "Do Not Track (DNT: 1) is honoured: it refuses " + ", ".join(policy.dnt_denies)
        )
    return _section(
        "consent",
        {
            "title": "Consent and privacy signals",
            "purpose": "Asking for, storing and honouring your choice of optional categories: "
            + ", ".join(policy.categories)
            + ". Strictly necessary processing needs no consent.",
            "data": [
                f"a consent cookie ({policy.cookie_name}) holding the categories you allowed, "
                f"the policy revision ({policy.revision}) and when you chose"
                + (", signed so it cannot be forged" if signed else ""),
                *signals,
            ],
            "retention": f"The consent cookie lasts {human_duration(policy.max_age)}; you can "
            f"withdraw at any time ({policy.path_prefix}). It is stored in your browser only.",
            "details": {
                "categories": list(policy.categories),
                "revision": policy.revision,
                "vendors": _by_category(registry),
                "gpc_denies": list(policy.gpc_denies),
                "dnt_denies": list(policy.dnt_denies),
            },
        },
    )


_TAG_ACTION = {
    "neutralise": "disabled in the page (their code is not run and nothing is loaded) "
    "until you allow their category",
    "remove": "removed from the page unless you allowed their category",
    "report-only": "counted but NOT blocked (report-only mode)",
}


def tags_section(config: TagGate, registry: TrackerRegistry) -> Section:
    """Third-party tags: which services (selected or observed), gated how."""
    by_category = _by_category(registry)
    data = [f"{category}: " + ", ".join(labels) for category, labels in by_category.items()]
    if not data:
        data = [_none_declared(registry)]
    if config.strict:
        data.append(
            "tags of any other third party are held back too"
            + (" (except " + ", ".join(config.allow) + ")" if config.allow else "")
        )
    return _section(
        "tags",
        {
            "title": "Third-party services and their tags",
            "purpose": "Third-party tags (measurement, advertising, embedded media, chat) "
            f"are {_TAG_ACTION[config.mode]}. Each service below belongs to one consent "
            "category; 'necessary' ones load without asking.",
            "data": data,
            "retention": "privmw stores nothing for this; cookies the services set once "
            "allowed last as long as each service sets them (see the cookie declaration).",
            "details": {
                "mode": config.mode,
                "vendors": by_category,
                "vendors_gated": len(registry.vendors),
                "unknown_third_parties": "held back" if config.strict else "allowed, counted",
                "allowed_hosts": list(config.allow),
                "content_security_policy": config.csp is not None,
                "google_consent_mode": config.consent_mode,
                "topics_api_disabled": config.permissions_policy,
            },
        },
    )


def _logger_name(config: AccessLog) -> str:
    logger = config.logger
    return logger.name if isinstance(logger, logging.Logger) else str(logger)


def access_log_section(config: AccessLog) -> Section:
    """The anonymous access log: fields, redaction, retention."""
    gran = config.timestamp_granularity
    data = [
        f"date and time of the request (UTC, to the {gran})",
        "request method and page path (e-mail addresses, tokens and IP addresses "
        "in it are replaced by placeholders)",
    ]
    if config.query_allow:
        data.append(
            "query parameters " + ", ".join(config.query_allow) + " (values redacted "
            "like the path); all other query parameters are dropped"
        )
    else:
        data.append("no query parameters (the query string is dropped)")
    data += [
        "response status and amount of data sent",
        "time taken to answer",
        "the client IP address, shortened (see client data)",
        "browser family and major version, operating-system family, device class "
        "(mobile, tablet, pc, tv, console, other), whether the client is a bot",
    ]
    if config.directory is not None:
        days = config.retention_days
        retention = (
            f"{days} day{'s' if days != 1 else ''}: one file per UTC day, deleted "
            f"automatically when it is older than {days} day{'s' if days != 1 else ''}"
        )
        destination = "files on the server, one per UTC day"
    else:
        retention = (
            f"handed to the logging logger {_logger_name(config)!r}; retention is "
            "the operator's and not enforced by privmw"
        )
        destination = f"logging logger {_logger_name(config)!r}"
    return _section(
        "access_log",
        {
            "title": "Access log",
            "purpose": "Operating the site: finding errors, measuring load and "
            "detecting abuse, without personal reference.",
            "data": data,
            "retention": retention,
            "details": {
                "format": "JSON lines" if config.format == "json" else "Combined Log Format",
                "destination": destination,
                "retention_days": config.retention_days if config.directory is not None else None,
                "timestamp_granularity": gran,
                "query_parameters_kept": list(config.query_allow),
                "never_logged": [
                    "the full IP address",
                    "the user-agent string",
                    "cookies",
                    "the referring page",
                    "forwarding headers",
                ],
            },
        },
    )


def trackers_section(registry: TrackerRegistry) -> Section:
    """The disclosed vendors by category, when no tag gate describes them."""
    by_category: dict[str, list[dict[str, object]]] = {}
    for vendor in registry.disclosed():
        by_category.setdefault(vendor.category, []).append(
            {"vendor": vendor.label, "purpose": vendor.purpose, "cookies": list(vendor.cookies)}
        )
    data = [
        f"{category}: " + ", ".join(str(v["vendor"]) for v in vendors)
        for category, vendors in sorted(by_category.items())
    ] or [_none_declared(registry)]
    return Section(
        id="trackers",
        title="Third-party services by consent category",
        purpose="The third-party services this site uses (as it declares them, or as privmw "
        "saw them in its pages), grouped by the consent category they belong to, with the "
        "cookies they set.",
        data=tuple(data),
        retention="Cookies set by these services last as long as each service sets them.",
        details={"categories": {k: by_category[k] for k in sorted(by_category)}},
    )


_CATEGORY_ORDER = {"necessary": 0, "preferences": 1, "analytics": 2, "marketing": 3}
_COOKIE_COLUMNS = (
    ("cookie", "Cookie"),
    ("category", "Category"),
    ("purpose", "Purpose"),
    ("retention", "Retention"),
    ("provider", "Provider"),
    ("controller", "Controller"),
    ("privacy", "Privacy information"),
)
COOKIE_TABLE = Table("cookies", _COOKIE_COLUMNS, frozenset({"privacy"}))


def _cookie_row(
    cookie: str,
    category: str,
    purpose: str,
    retention: str,
    provider: str,
    controller: str,
    privacy: str,
    source: str,
) -> dict[str, object]:
    return {
        "cookie": cookie,
        "category": category,
        "purpose": purpose,
        "retention": retention,
        "provider": provider,
        "controller": controller,
        "privacy": privacy,
        "source": source,
    }


def cookie_rows(registry: TrackerRegistry, policy: ConsentPolicy | None) -> list[dict[str, object]]:
    """Every cookie the site may set, one record each (see :func:`cookies_section`)."""
    rows: dict[str, dict[str, object]] = {}
    db = registry.cookie_db

    def add(row: dict[str, object]) -> None:
        rows.setdefault(str(row["cookie"]), row)

    if policy is not None:
        add(
            _cookie_row(
                policy.cookie_name,
                NECESSARY,
                "Stores your choice of consent categories (and when you made it).",
                human_duration(policy.max_age),
                "this site (privmw)",
                "the site operator",
                "",
                "privmw",
            )
        )
        for name, category in policy.cookies.items():
            info = db.info(name) if db is not None else None
            add(
                _cookie_row(
                    name,
                    category,
                    info.description if info is not None else "Set by this site.",
                    info.retention if info is not None else "",
                    "this site",
                    "the site operator",
                    "",
                    "site",
                )
            )
    for vendor in registry.disclosed():
        controller = vendor.controller or vendor.label
        for pattern in vendor.cookies:
            entries = db.matching(pattern) if db is not None else ()
            if not entries:
                add(
                    _cookie_row(
                        pattern,
                        vendor.category,
                        vendor.purpose,
                        "",
                        vendor.label,
                        controller,
                        vendor.privacy_url,
                        vendor.name,
                    )
                )
            for entry in entries:
                # privmw gates it under the vendor's category, whatever the database says.
                add(
                    _cookie_row(
                        entry.pattern,
                        vendor.category,
                        entry.description or vendor.purpose,
                        entry.retention,
                        vendor.label,
                        controller,
                        vendor.privacy_url or entry.privacy_url,
                        vendor.name,
                    )
                )
    if db is not None:
        for pattern, source in registry.observed.cookies().items():
            if source != "ocd":
                continue
            seen = db.info(pattern.rstrip("*"))
            if seen is not None:
                add(
                    _cookie_row(
                        seen.pattern,
                        db.consent_category(pattern.rstrip("*")) or seen.category,
                        seen.description,
                        seen.retention,
                        seen.platform,
                        seen.controller or seen.platform,
                        seen.privacy_url,
                        "open-cookie-database",
                    )
                )
    return sorted(
        rows.values(),
        key=lambda r: (
            _CATEGORY_ORDER.get(str(r["category"]), 9),
            str(r["provider"]).lower(),
            str(r["cookie"]).lower(),
        ),
    )


def cookies_section(registry: TrackerRegistry, policy: ConsentPolicy | None) -> Section:
    """The cookie declaration: each cookie the site may set, why, how long, by whom.

    From the consent cookie and the site's own declared cookies
    (``ConsentPolicy.cookies``), the cookies of every disclosed vendor
    (selected or observed), described from the Open Cookie Database where it
    knows them, and the cookies privmw saw the app set that only the database
    knows. A pattern ending in ``*`` stands for names starting with it.
    """
    rows = cookie_rows(registry, policy)
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["category"])] = counts.get(str(row["category"]), 0) + 1
    data = [
        f"{category}: {counts[category]} cookie{'s' if counts[category] != 1 else ''}"
        for category in sorted(counts, key=lambda c: _CATEGORY_ORDER.get(c, 9))
    ]
    return Section(
        id="cookies",
        title="Cookie declaration",
        purpose="The cookies this site may set in your browser, what each is for, who "
        "receives what it holds and how long it lasts. Cookies of a category you have not "
        "allowed are not set, and ones you withdraw are deleted.",
        data=tuple(data),
        retention="As listed for each cookie; 'session' ones end when the browser closes.",
        details={
            "cookies": rows,
            "source": "the site's configuration, privmw's vendor data and the Open Cookie "
            "Database (Apache-2.0)",
        },
        table=COOKIE_TABLE,
    )


def build(
    *,
    resolver: ClientResolver,
    pseudonym_retention: float | None,
    registry: TrackerRegistry,
    rate_limit: RateLimit | None,
    consent: ConsentPolicy | None,
    tags: TagGate | None,
    access_log: AccessLog | None,
    consent_signed: bool | None = None,
) -> Disclosure:
    """The disclosure of one middleware's configuration.

    Sections: ``client`` (always), then ``rate_limit``, ``consent`` and
    ``tags`` for each feature that is configured, ``trackers`` (the disclosed
    vendors by category) when there is no tag gate to describe them,
    ``cookies`` (the cookie declaration, always) and ``access_log`` when
    configured.
    """
    sections = [client_section(resolver, pseudonym_retention)]
    if rate_limit is not None:
        sections.append(rate_limit_section(rate_limit))
    if consent is not None:
        sections.append(consent_section(consent, registry, consent_signed))
    if tags is not None:
        sections.append(tags_section(tags, registry))
    else:
        sections.append(trackers_section(registry))
    sections.append(cookies_section(registry, consent))
    if access_log is not None:
        sections.append(access_log_section(access_log))
    return Disclosure(tuple(sections))
