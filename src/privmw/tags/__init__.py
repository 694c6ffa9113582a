"""``TagGate``: third-party tags load only with consent.

:class:`TagGate` (``gate``) is the configuration, on by default in
:class:`~privmw.PrivacyMiddleware`; ``_runtime`` is what the middleware builds
from it once (with the middleware's one tracker registry); ``rewriter`` is the
sans-io streaming HTML rewriter, ``_grammar`` its byte grammar,
``_neutralise`` the inert markup it writes, and ``static/privmw.js`` the
activation script. The one send wrapper streams ``text/html`` bodies through
the rewriter.

Modules: ``rewriter`` (the state machine and its decisions), ``_tokenizer``
(exact HTML tokenizer pieces), ``_grammar`` (the fast data-state grammar run
by google-re2), ``_fetch`` (what every element fetches, from the HTML
standard), ``_inline`` (URLs, srcset, CSS, refresh, ``data:``/``javascript:``,
literal registry URLs in code), ``_neutralise`` (inert markup),
``_encoding`` (media type, content coding, charset policy).

Compression: put ``GZipMiddleware`` *outside* ``PrivacyMiddleware`` (add it
after) so privmw sees identity HTML. HTML the app compresses itself (gzip,
deflate, br with the ``brotli`` module) is inflated with a bounded ratio,
rewritten and sent as identity; other codings are refused (502), never passed
through live: see ``_encoding``.

What static rewriting cannot see (URLs built at run time: ``"face"+"book"``,
``atob``, ``String.fromCharCode``, JS escapes, code loaded by an allowed
script) only a Content-Security-Policy closes: configure
``TagGate(csp=ContentSecurityPolicy(...))``.

The activation script
---------------------
In ``neutralise`` mode a page with gated tags gets
``<script src="/privacy/privmw.js" defer>`` (path: ``TagGate.script_path``)
appended. The script listens for one event on ``document``::

    document.dispatchEvent(new CustomEvent("privmw:consent", {
        detail: {categories: ["analytics", "marketing"]}   // every allowed category
    }));

and exposes the same as ``window.privmw.activate(["analytics", ...])``. For
every neutralised element whose ``data-privmw-category`` is in the list it
re-creates the ``<script>`` as a live one (its original ``type``, e.g.
``module``, is restored from ``data-privmw-type``, external ones keep their
order) and restores ``src``/``srcset``/``href``/``data`` of iframes, images,
links and objects, in place, without a reload. With Google tags on the page it
also sends ``gtag('consent', 'update', …)``. When a CSP is configured the
page's policy was computed for the old consent, so the script reloads the
page instead (the new response then carries a policy that allows the new
vendors). The consent endpoints and the example banner dispatch the event.

References: Google tag platform "Consent mode" (``consent default`` before any
tag, ``consent update`` after the choice); WHATWG HTML (script element,
``CustomEvent``); RFC 9110 §12.5.5 (``Vary``).
"""

from __future__ import annotations

from .gate import TagGate

__all__ = ["TagGate"]
