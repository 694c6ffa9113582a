"""The Open Cookie Database: cookie name → category, purpose, retention, controller.

privmw ships the Open Cookie Database (2,264 cookies of 354 platforms,
Apache-2.0; see ``data/NOTICE``) in the compact form that
``scripts/build_cookiedb.py`` writes from the project's CSV. It is immutable
package data, parsed once per process on the first lookup (importing privmw
does not read it), and shared by every registry.

Two uses, with different rules:

* **Gating** (:meth:`CookieDatabase.consent_category`): the cookie gate asks
  the site's own names and the registry's vendors first, then this. An entry
  of a consent category (Personalization → ``preferences``, Analytics →
  ``analytics``, Marketing → ``marketing``) gates a cookie only when its name
  is *distinctive*:

  - at least :data:`MIN_GATED` characters (for a wildcard, its fixed prefix):
    ``c``, ``s``, ``uid`` or ``_s`` name many sites' own cookies;
  - not made only of generic words (:data:`GENERIC_WORDS`: ``auth_token``,
    ``opt_out``, ``_tracking_consent``, ``data-*``), nor one of :data:`GENERIC`
    (``sessionid``, ``token``, ``version``,
    ``visitor``...): the database lists Instagram's ``sessionid`` as
    Marketing, and Django's session cookie has that name;
  - not marked "(3rd party)": such a cookie lives on the vendor's domain, so
    a site never sees it, and gating its name would only hit a site cookie
    that happens to share it;
  - not also listed as Functional, Security or Necessary (the database then
    disagrees with itself: ``token``, ``chk``, ``euconsent``, ``dc``).

  A name listed under two consent categories takes the more restrictive one
  (marketing, then analytics, then preferences). Functional, Security and
  Necessary entries (→ ``necessary``) give no gating verdict: a necessary
  cookie is always allowed, which is what an unknown one is too outside
  ``strict_cookies``, and ``strict_cookies`` keeps its meaning (only names
  the site or a vendor declares pass).
* **Declaration** (:meth:`CookieDatabase.info`): every entry, necessary ones
  included, describes a cookie for the disclosure's cookie declaration.

The most specific entry decides: an exact name beats a wildcard (an exact
necessary ``_gat_pro`` is not gated by Google's ``_gat_`` wildcard), and of
several wildcards the longest prefix wins.
A lookup costs a dict probe for the exact names and one for the wildcards'
first two characters (:class:`privmw._prefix.PrefixIndex`), never a scan of
the entries.

References:
    Open Cookie Database, https://github.com/jkwakman/Open-Cookie-Database.
    RFC 6265 section 4.1.1 (cookie names are tokens).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from importlib import resources
from typing import NamedTuple

from ._prefix import PrefixIndex

__all__: list[str] = []

_RESOURCE = "data/open-cookie-database.tsv"
_MAGIC = "#privmw-open-cookie-database"
_CATEGORIES = {"n": "necessary", "p": "preferences", "a": "analytics", "m": "marketing"}
#: More restrictive first: a name in two consent categories takes the first.
_STRICTER = ("marketing", "analytics", "preferences")

#: The fewest characters of a name (or wildcard prefix) the database may gate.
MIN_GATED = 4

#: Names too common for a site's own cookies to be gated on the database's word.
#: Compared case-insensitively, and against a wildcard's prefix with its
#: trailing separator removed.
GENERIC = frozenset(
    {
        "audience",
        "audit",
        "auth",
        "blurtime",
        "callback",
        "campaign",
        "cart",
        "consent",
        "conversion",
        "cookieconsent",
        "country",
        "csrf",
        "csrftoken",
        "currency",
        "currentcontact",
        "debug",
        "device",
        "deviceid",
        "dispatcher",
        "euconsent",
        "europe",
        "focustime",
        "geoip",
        "hash",
        "lang",
        "language",
        "lantern",
        "locale",
        "login",
        "mode",
        "optout",
        "opout",
        "pagereferrer",
        "pluto",
        "querystring",
        "recs",
        "referrer",
        "region",
        "searchterm",
        "serverpool",
        "session",
        "sessionid",
        "sidebarpinned",
        "sitereferrer",
        "source",
        "ssid",
        "state",
        "sync",
        "test",
        "theme",
        "timezone",
        "token",
        "tracking",
        "user",
        "userid",
        "users",
        "usersync",
        "uuid",
        "version",
        "viewer",
        "visitor",
        "xsrf",
    }
)


class CookieInfo(NamedTuple):
    """One entry of the database (a named tuple: 2,264 of them parse in milliseconds).

    Attributes:
        name: the cookie name, or the fixed prefix of a wildcard.
        wildcard: the name is a prefix (``_ga_`` stands for ``_ga_<id>``).
        category: privmw's category (``necessary``, ``preferences``,
            ``analytics``, ``marketing``).
        platform: the service that sets it (``"Google Analytics"``).
        controller: its data controller (``"Google"``).
        privacy_url: the controller's privacy or GDPR-rights page (http(s)) or ``""``.
        domain: the domain it is set on, where the database knows it.
        retention: how long it lasts, as the database says (``"2 years"``).
        description: what it is for.
    """

    name: str
    wildcard: bool
    category: str
    platform: str
    controller: str
    privacy_url: str
    domain: str
    retention: str
    description: str

    @property
    def pattern(self) -> str:
        """The name as privmw writes patterns: ``_ga_*`` for a wildcard."""
        return self.name + "*" if self.wildcard else self.name

    @property
    def third_party(self) -> bool:
        """The database marks it as set on the vendor's own domain."""
        return "3rd party" in self.domain.lower()


#: Words that make a name generic when it is made of nothing else
#: (``auth_token``, ``opt_out``, ``gdpr_status``, ``_tracking_consent``,
#: ``data-*``): a site's own cookies are named like this.
GENERIC_WORDS = GENERIC | frozenset(
    {
        "accepted",
        "access",
        "ccpa",
        "client",
        "cookie",
        "cookies",
        "data",
        "dnt",
        "dtm",
        "flag",
        "gdpr",
        "gpc",
        "id",
        "in",
        "key",
        "me",
        "opt",
        "out",
        "partner",
        "pref",
        "preference",
        "preferences",
        "prefs",
        "privacy",
        "refresh",
        "remember",
        "status",
    }
)
_PARTS = re.compile(r"[_\-.:]+")


def generic(name: str) -> bool:
    """Whether a name (or a wildcard's prefix) is made only of generic words and digits."""
    parts = [p for p in _PARTS.split(name.lower()) if p]
    return all(p in GENERIC_WORDS or p.isdigit() for p in parts)


def gates(entry: CookieInfo) -> bool:
    """Whether ``entry`` may gate a cookie of the site (see the module docstring)."""
    if entry.category == "necessary" or entry.third_party:
        return False
    name = entry.name
    if len(name) < MIN_GATED:
        return False
    stem = name.rstrip("_-.:") if entry.wildcard else name
    return stem.lower() not in GENERIC and not generic(stem)


class _Table:
    """The parsed database: entries and the two lookup indexes."""

    __slots__ = ("entries", "exact_gate", "exact_info", "prefix_gate", "prefix_info", "source")

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        head = lines[0].split("\t")
        if head[0] != _MAGIC or len(head) != 4 or head[1] != "1":
            raise ValueError("not a privmw Open Cookie Database file (format 1)")
        self.source = {"rows": int(head[2]), "sha256": head[3]}
        platforms: list[tuple[str, str, str]] = []
        entries: list[CookieInfo] = []
        for line in lines[1:]:
            if not line:
                continue
            kind, _, rest = line.partition("\t")
            if kind == "P":
                platform, controller, url = rest.split("\t")
                platforms.append((platform, controller, url))
            elif kind == "C":
                name, wild, cat, index, domain, retention, description = rest.split("\t")
                platform, controller, url = platforms[int(index)]
                entries.append(
                    CookieInfo(
                        name,
                        wild == "1",
                        _CATEGORIES[cat],
                        platform,
                        controller,
                        url,
                        domain,
                        retention,
                        description,
                    )
                )
        self.entries = tuple(entries)
        # Declaration lookups: the first entry of a name wins (the CSV's order).
        exact_info: dict[str, CookieInfo] = {}
        prefix_info: list[tuple[str, CookieInfo]] = []
        # Gating: every entry of a name votes; a necessary vote vetoes. Every
        # name gets a verdict ("" for none), so the most specific entry decides:
        # an exact necessary "_gat_pro" is not gated by the wildcard "_gat_".
        votes: dict[tuple[bool, str], set[str]] = {}
        for entry in entries:
            if entry.wildcard:
                prefix_info.append((entry.name, entry))
            else:
                exact_info.setdefault(entry.name, entry)
            cats = votes.setdefault((entry.wildcard, entry.name), set())
            if entry.category == "necessary":
                cats.add("necessary")
            elif gates(entry):
                cats.add(entry.category)
        exact_gate: dict[str, str] = {}
        prefix_gate: list[tuple[str, str]] = []
        for (is_prefix, stem), cats in votes.items():
            category = "" if "necessary" in cats else next((c for c in _STRICTER if c in cats), "")
            if is_prefix:
                prefix_gate.append((stem, category))
            else:
                exact_gate[stem] = category
        self.exact_info = exact_info
        # The longest prefix wins, so the most specific wildcard decides.
        self.prefix_info: PrefixIndex[CookieInfo] = PrefixIndex(prefix_info)
        self.exact_gate = exact_gate
        self.prefix_gate: PrefixIndex[str] = PrefixIndex(prefix_gate)


class CookieDatabase:
    """Lookups in the Open Cookie Database, parsed on first use.

    Args:
        text: the compact file's text; ``None`` (the default) reads the copy
            privmw ships, once per process.
    """

    __slots__ = ("_lock", "_table", "_text")

    _shared: _Table | None = None
    _shared_lock = threading.Lock()

    def __init__(self, text: str | None = None) -> None:
        self._text = text
        self._table: _Table | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "loaded" if self._table is not None else "not loaded yet"
        return f"CookieDatabase({state})"

    @property
    def loaded(self) -> bool:
        """Whether the file has been parsed (importing privmw never parses it)."""
        return self._table is not None

    def _load(self) -> _Table:
        table = self._table
        if table is not None:
            return table
        if self._text is not None:
            with self._lock:
                if self._table is None:
                    self._table = _Table(self._text)
                return self._table
        cls = type(self)
        with cls._shared_lock:
            if cls._shared is None:
                text = resources.files("privmw").joinpath(_RESOURCE).read_text("utf-8")
                cls._shared = _Table(text)
            self._table = cls._shared
        return self._table

    @property
    def source(self) -> dict[str, object]:
        """The CSV the shipped file was built from: its row count and SHA-256."""
        return dict(self._load().source)

    def __len__(self) -> int:
        return len(self._load().entries)

    def __iter__(self) -> Iterator[CookieInfo]:
        return iter(self._load().entries)

    def consent_category(self, name: str) -> str | None:
        """The consent category the database gates ``name`` under, or ``None``.

        ``None`` for names it does not know, for necessary ones and for names
        too generic to gate (see the module docstring).
        """
        table = self._load()
        found = table.exact_gate.get(name)
        if found is None:
            found = table.prefix_gate.get(name)
        return found or None

    def info(self, name: str) -> CookieInfo | None:
        """The entry describing cookie ``name`` (exact name first, then the longest wildcard)."""
        table = self._load()
        found = table.exact_info.get(name)
        if found is not None:
            return found
        return table.prefix_info.get(name)

    def matching(self, pattern: str, limit: int = 24) -> tuple[CookieInfo, ...]:
        """The entries a vendor's cookie pattern covers (``_ga``, ``_ga_*``, ``_hj*``).

        An exact pattern gives its entry (if any); a wildcard gives the entries
        whose name starts with its prefix, in the database's order (at most
        ``limit``), so ``_hj*`` lists Hotjar's cookies one by one. Only the
        platform most of them belong to counts: ``_gat_*`` is Google's
        ``_gat_gtag_*``, not Snapwidget's ``_gat_pro``.
        """
        if not pattern.endswith("*"):
            found = self.info(pattern)
            return (found,) if found is not None else ()
        prefix = pattern.rstrip("*")
        if not prefix:
            return ()
        candidates = [e for e in self._load().entries if e.name.startswith(prefix)]
        if not candidates:
            return ()
        platforms = [e.platform for e in candidates]
        platform = max(dict.fromkeys(platforms), key=platforms.count)
        out: list[CookieInfo] = []
        seen: set[str] = set()
        for entry in candidates:
            if entry.platform == platform and entry.pattern not in seen:
                seen.add(entry.pattern)
                out.append(entry)
                if len(out) >= limit:
                    break
        return tuple(out)
