"""privmw's counters as a ``prometheus_client`` collector (``pip install 'privmw[prometheus]'``).

::

    from prometheus_client import REGISTRY
    from privmw import PrivacyMiddleware, PrometheusCollector

    app.add_middleware(PrivacyMiddleware)
    REGISTRY.register(PrometheusCollector(app))

Every metric is a counter (``_total``) or a gauge, labelled with configuration
values only (rule names, reasons, categories, actions, sources): never an
address, a path, a user agent or a pseudonym. Each worker process counts on
its own; Prometheus sums them (``sum by (...)``), as usual with multiprocess
servers. ``prometheus_client`` is imported when metrics are collected, not
when privmw is.

References: Prometheus exposition format; ``prometheus_client`` custom collectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._validate import fail

if TYPE_CHECKING:
    from .middleware import PrivacyMiddleware

__all__ = ["PrometheusCollector"]

_NAMESPACE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def find_middleware(app: object) -> PrivacyMiddleware | None:
    """The :class:`~privmw.PrivacyMiddleware` in an app's middleware chain, once built.

    Starlette and FastAPI build their middleware stack on the first event they
    get (the lifespan's start-up); before that, ``None``. The chain is followed
    through ``middleware_stack`` and each layer's ``app``.
    """
    from .middleware import PrivacyMiddleware

    seen = 0
    node: object | None = app
    while node is not None and seen < 64:
        if isinstance(node, PrivacyMiddleware):
            return node
        seen += 1
        stack = getattr(node, "middleware_stack", None)
        node = stack if stack is not None else getattr(node, "app", None)
    return None


class PrometheusCollector:
    """A ``prometheus_client`` collector of a middleware's :meth:`~privmw.PrivacyMiddleware.stats`.

    Args:
        source: the :class:`~privmw.PrivacyMiddleware`, or the Starlette/FastAPI
            app it was added to (found once the app has started).
        namespace: the metric name prefix (default ``privmw``).

    Metrics: ``requests_total{kind}``, ``signal_requests_total{signal}``,
    ``ratelimit_refused_total{rule,reason}``, ``ratelimit_banned_clients``,
    ``ratelimit_tracked_clients``, ``html_pages_total``, ``tags_total{action}``,
    ``cookies_dropped_total{category}``, ``cookies_expired_total{category}``,
    ``consent_choices_total{category,decision,source}``.
    """

    def __init__(self, source: object, *, namespace: str = "privmw") -> None:
        from .middleware import PrivacyMiddleware

        if not isinstance(source, PrivacyMiddleware) and not (
            hasattr(source, "middleware_stack") or hasattr(source, "app")
        ):
            fail(
                "PrometheusCollector",
                "source",
                "a PrivacyMiddleware or the Starlette/FastAPI app it was added to",
                source,
            )
        if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
            fail(
                "PrometheusCollector",
                "namespace",
                "a Prometheus name prefix (letters, digits, '_')",
                namespace,
            )
        self._source = source
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"PrometheusCollector(namespace={self.namespace!r})"

    def describe(self) -> list[Any]:
        # No fixed descriptions: the middleware may not exist yet at registration.
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        mw = find_middleware(self._source)
        if mw is None:
            return
        stats = mw.stats()
        ns = self.namespace

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Any:
            return CounterMetricFamily(f"{ns}_{name}", doc, labels=list(labels))

        requests = counter("requests", "Requests and WebSocket sessions seen.", ("kind",))
        requests.add_metric(["http"], stats["requests"])
        requests.add_metric(["websocket"], stats["websockets"])
        yield requests
        signals = counter("signal_requests", "Requests carrying a privacy signal.", ("signal",))
        for signal, n in stats["signals"].items():
            signals.add_metric([signal], n)
        yield signals
        refused = counter(
            "ratelimit_refused", "Requests the rate limiter refused.", ("rule", "reason")
        )
        for rule, reasons in stats["rate_limit"]["refused"].items():
            for reason, n in reasons.items():
                refused.add_metric([rule, reason], n)
        yield refused
        limit = stats["rate_limit"]
        if "banned_now" in limit:
            yield GaugeMetricFamily(
                f"{ns}_ratelimit_banned_clients",
                "Clients banned right now (this process).",
                value=limit["banned_now"],
            )
            yield GaugeMetricFamily(
                f"{ns}_ratelimit_tracked_clients",
                "Client buckets held right now (this process).",
                value=limit["tracked_now"],
            )
        tags = dict(stats["tags"])
        pages = counter("html_pages", "HTML responses through the tag rewriter.")
        pages.add_metric([], tags.pop("html_pages"))
        yield pages
        actions = counter("tags", "Third-party tags by rewriter action.", ("action",))
        for action, n in tags.items():
            actions.add_metric([action], n)
        yield actions
        for kind, doc in (
            ("dropped", "Set-Cookie headers dropped for want of consent."),
            ("expired", "Tracker cookies expired for want of consent."),
        ):
            family = counter(f"cookies_{kind}", doc, ("category",))
            for category, n in stats["cookies"][kind].items():
                family.add_metric([category], n)
            yield family
        choices = counter(
            "consent_choices",
            "Consent choices, per category.",
            ("category", "decision", "source"),
        )
        for category, decisions in stats["consent"]["choices"].items():
            for decision, sources in decisions.items():
                for source, n in sources.items():
                    choices.add_metric([category, decision, source], n)
        yield choices
