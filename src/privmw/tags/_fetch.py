"""What an element fetches on its own: the table the rewriter gates.

Every row is (element, attribute, what the browser does with the value),
from the WHATWG HTML Living Standard (section numbers as of 2026) and SVG 2.
An attribute listed here is *gated*: when its value resolves to a registry
host that the visitor has not allowed, the element is neutralised.

HTML namespace (``HTML_FETCH``):

========== ======================= ================================================ =========
element    attribute               fetch                                            section
========== ======================= ================================================ =========
script     src                     classic/module script                            §4.12.1
img        src, srcset (every      image (srcset candidates are fetched even when   §4.8.4,
           candidate)              ``src`` is local: the browser picks one)         §4.8.4.3
image      src, srcset             parsed as ``img`` by the tree builder            §13.2.6.4.7
source     src, srcset             media resource / picture candidate               §4.8.3
iframe     src, srcdoc             nested navigable (``srcdoc`` is a nested         §4.8.5
                                   document: rewritten recursively)
frame      src                     nested navigable (obsolete, still supported)     §16.3.?
embed      src                     plugin / nested document                         §4.8.6
object     data                    plugin / nested document / image                 §4.8.7
video      src, poster             media resource, poster image                     §4.8.8
audio      src                     media resource                                   §4.8.9
track      src                     text track                                       §4.8.10
input      src (type=image)        image button                                     §4.10.5.1.20
link       href, imagesrcset       stylesheet, icon, preload, prefetch,             §4.2.4,
                                   modulepreload, dns-prefetch, preconnect,         §4.6.7
                                   manifest... (every ``rel``: gated by host)
base       href                    no fetch itself: every later relative URL        §4.2.3
                                   resolves against it (resolved, and gated)
meta       content                 ``http-equiv=refresh`` navigates on load         §4.2.5.3
html       manifest                application cache (removed from browsers)        —
any        background              body/table/tr/td/th background image            §15.3
           style                   CSS ``url()``/``image-set()`` in the attribute  css-values
           attributionsrc          Attribution Reporting API request (Chromium)     WICG
           on*                     event handler: inline code (literal hosts)       §8.1.8
a, area    ping                    POST on click (hyperlink auditing): gated,       §4.6.6
                                   since it only ever tracks
style      (content)               ``url()``, ``@import``: checked as CSS           §4.2.6
script     (content)               inline code: literal registry URLs, signatures   §4.12.1
========== ======================= ================================================ =========

Not fetched on load, so not gated: ``<a href>`` (a click; ``javascript:``
there runs only on click), ``<form action>``, ``formaction`` (submission),
``<q cite>``, ``<blockquote cite>``, ``itemtype``, ``<img longdesc>``.

SVG namespace (``SVG_FETCH``, SVG 2): ``image`` (href, xlink:href; §5.9?),
``use`` (href, xlink:href; external references, §5.6), ``script`` (href,
xlink:href; runs its text otherwise), ``feImage`` (href, xlink:href;
Filter Effects §15.?), and ``style``/presentation attributes holding
``url()`` on any element. MathML: ``mglyph src``.

SVG animation (SVG Animations / SMIL): ``<set>`` and ``<animate>`` change an
attribute of their target (their parent, or ``href``) to ``to``, ``from``,
``by`` or each of ``values`` (a ``;``-separated list), and may name
``attributeName="href"`` (or ``xlink:href``) of an ``<image>``, ``<use>`` or
``<feImage>``: Chromium then fetches the value. Those four attributes are
gated on ``set``, ``animate``, ``animateMotion``, ``animateTransform`` and
``animateColor`` whatever ``attributeName`` says (it may be written with a
character reference, a prefix, or target another element): a value that
resolves to a registry URL has no other use. (``animateMotion`` and
``animateTransform`` take numbers and cannot set a URL; gating them costs
nothing and needs no reading of their target.)
"""

from __future__ import annotations

__all__: list[str] = []

#: Attributes gated on every element (HTML and foreign).
GLOBAL = frozenset({"style", "background", "attributionsrc"})

HTML_FETCH: dict[str, frozenset[str]] = {
    "script": frozenset({"src"}),
    "img": frozenset({"src", "srcset"}),
    "image": frozenset({"src", "srcset"}),
    "source": frozenset({"src", "srcset"}),
    "iframe": frozenset({"src", "srcdoc"}),
    "frame": frozenset({"src"}),
    "embed": frozenset({"src"}),
    "object": frozenset({"data"}),
    "video": frozenset({"src", "poster"}),
    "audio": frozenset({"src"}),
    "track": frozenset({"src"}),
    "input": frozenset({"src"}),
    "link": frozenset({"href", "imagesrcset"}),
    "base": frozenset({"href"}),
    "meta": frozenset({"content"}),
    "html": frozenset({"manifest"}),
    "a": frozenset({"ping"}),
    "area": frozenset({"ping"}),
}

_SVG_HREF = frozenset({"href", "xlink:href"})
#: What an SVG animation element sets its target's attribute to.
_ANIMATION_VALUES = frozenset({"to", "from", "by", "values"})
SVG_FETCH: dict[str, frozenset[str]] = {
    "image": _SVG_HREF,
    "use": _SVG_HREF,
    "script": _SVG_HREF,
    "feimage": _SVG_HREF,
    "mglyph": frozenset({"src"}),
    "set": _ANIMATION_VALUES,
    "animate": _ANIMATION_VALUES,
    "animatemotion": _ANIMATION_VALUES,
    "animatetransform": _ANIMATION_VALUES,
    "animatecolor": _ANIMATION_VALUES,
}

#: Attributes whose value is a srcset (a list of candidates).
SRCSET = frozenset({"srcset", "imagesrcset"})
#: Attributes whose value is a ``;``-separated list of values, each read as a URL
#: (SVG animation ``values``).
URL_LISTS = frozenset({"values"})

#: Elements that *are* the fetch (remove mode drops them whole; iframes
#: and images get a harmless placeholder ``src`` when neutralised).
ELEMENT_FETCHERS = frozenset(
    {
        "script",
        "img",
        "image",
        "source",
        "iframe",
        "frame",
        "embed",
        "object",
        "video",
        "audio",
        "track",
        "input",
        "link",
        "base",
        "meta",
        "use",
        "feimage",
        "style",
    }
)

#: Attributes moved to ``data-privmw-<name>`` when their element is neutralised.
MOVED = frozenset(
    {
        "src",
        "srcset",
        "href",
        "xlink:href",
        "data",
        "type",
        "imagesrcset",
        "poster",
        "srcdoc",
        "background",
        "style",
        "attributionsrc",
        "ping",
        "manifest",
    }
)


def gated_attributes(name: str, html: bool, foreign: bool) -> frozenset[str]:
    """The attributes of ``name`` that fetch, in the namespaces that may apply.

    ``html`` and ``foreign`` both true when the rewriter cannot tell (the
    union of both readings is gated).
    """
    out = GLOBAL
    if html:
        out = out | HTML_FETCH.get(name, frozenset())
    if foreign:
        out = out | SVG_FETCH.get(name, frozenset())
    return out
