# ruff: noqa: E501  (one construct a line reads better than wrapped markup)
"""HTML that makes a browser fetch a tracker: the constructs of issue 16, and hostile documents.

Shared by the Chromium construct table (``tests/browser/test_tag_constructs.py``),
the Chromium differential fuzzer (``tests/browser/test_tag_fuzz.py``) and any
other differential test of the tag rewriter (html5lib): one place says which
markup fetches what.

:data:`FRAGMENTS` maps a construct to a fragment of ``<body>`` markup that makes
Chromium fetch a Meta Pixel URL (``connect.facebook.net`` or
``www.facebook.com/tr``, vendor ``meta-pixel``, category ``marketing``) when
nothing gates it. Each is checked in Chromium, served raw, so a row can fail.

:func:`documents` is a hypothesis strategy of whole documents: those fragments,
the URL respellings, random tag soup around them (open and close tags of the
elements that change tokenizer or tree state, comments in all their odd forms,
stray quotes, ``<`` and ``&``), and a split of the bytes into body messages.

References: WHATWG HTML §13.2.5 (tokenization), §13.2.6.5 (foreign content),
§2.5.7 (CORS settings / fetching), the index of element attributes whose value
is a URL; WHATWG URL Standard (host parsing, IDNA); CSS Syntax Level 3 (escapes).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

#: The two Meta Pixel URLs the fragments use (what the official snippet loads).
FB_JS = "https://connect.facebook.net/en_US/fbevents.js"
FB_PIXEL = "https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"
#: Google's gtag.js for an Ads id, spelled with a dot segment (issue 16: classed as GTM).
ADS_DOT = "https://www.googletagmanager.com/./gtag/js?id=AW-123456789"

#: Inline loader of the Meta snippet: builds the script element from a string.
META_LOADER = (
    "!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?"
    "n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;"
    "n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;"
    "t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,"
    f"document,'script','{FB_JS}');fbq('init','1234567890');fbq('track','PageView');"
)

#: Host spellings of connect.facebook.net that a URL parser maps to it (WHATWG URL, UTS 46).
HOST_SPELLINGS: dict[str, str] = {
    "ideographic-full-stop": "connect\u3002facebook\u3002net",
    "halfwidth-full-stop": "connect\uff61facebook\uff61net",
    "trailing-full-stop": "connect.facebook.net\u3002",
    "soft-hyphen": "connect.face\u00adbook.net",
    "percent-ideographic-full-stop": "connect%E3%80%82facebook%E3%80%82net",
    "percent-soft-hyphen": "connect.face%C2%ADbook.net",
    "zero-width-space": "connect.face\u200bbook.net",
    "upper-case": "CONNECT.FaceBook.NET",
}

#: Scheme-relative spellings with extra or back slashes (WHATWG URL "special authority" states).
SLASHES: dict[str, str] = {
    "three-slashes": "///connect.facebook.net/en_US/fbevents.js",
    "slash-backslash-slash": "/\\/connect.facebook.net/en_US/fbevents.js",
    "backslashes": "\\\\/connect.facebook.net/en_US/fbevents.js",
    "https-backslash": "https:\\\\connect.facebook.net/en_US/fbevents.js",
    "tab-newline": "//connect.face\tbook.\nnet/en_US/fbevents.js",
}


def _script(src: str) -> str:
    return f'<script src="{src}"></script>'


#: Body fragments that each fetch a ``meta-pixel`` URL when not gated (see the module docstring).
FRAGMENTS: dict[str, str] = {
    # -- URLs the browser resolves differently ---------------------------------
    **{f"url-{name}": _script(url) for name, url in SLASHES.items()},
    **{
        f"host-{name}": _script(f"https://{host}/en_US/fbevents.js")
        for name, host in HOST_SPELLINGS.items()
    },
    "base-three-slashes": '<base href="///connect.facebook.net/"><script src="en_US/fbevents.js"></script>',
    "base-backslashes": '<base href="\\\\/connect.facebook.net/"><script src="en_US/fbevents.js"></script>',
    "base-soft-hyphen": '<base href="https://connect.face&shy;book.net/en_US/"><script src="fbevents.js"></script>',
    "pixel-dot-segment": '<img src="https://www.facebook.com/./tr?id=1&amp;ev=PageView" alt="">',
    "entity-host": '<script src="https://connect&#46;facebook&period;net/en_US/fbevents.js"></script>',
    # -- fetching constructs of the HTML standard --------------------------------
    "img-srcset": f'<img srcset="{FB_PIXEL} 1x" alt="">',
    "img-srcset-local-src": f'<img src="/static/local.png" srcset="{FB_PIXEL} 1x" alt="">',
    "img-srcset-second-candidate": (
        f'<img src="/static/local.png" srcset="/static/small.png 10w, {FB_PIXEL} 4000w" '
        'sizes="100vw" alt="">'
    ),
    "link-imagesrcset": f'<link rel="preload" as="image" imagesrcset="{FB_PIXEL} 1x">',
    "image-element": f'<image src="{FB_PIXEL}">',
    "input-image": f'<input type="image" src="{FB_PIXEL}" alt="go">',
    "video-poster": f'<video poster="{FB_PIXEL}" width="10" height="10"></video>',
    "picture-source": (
        f'<picture><source srcset="{FB_PIXEL}"><img src="/static/local.png" alt=""></picture>'
    ),
    "svg-image-href": f'<svg width="10" height="10"><image href="{FB_PIXEL}" width="10" height="10"/></svg>',
    "svg-image-xlink": (
        '<svg width="10" height="10" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image xlink:href="{FB_PIXEL}" width="10" height="10"/></svg>'
    ),
    "svg-script-href": f'<svg><script href="{FB_JS}"></script></svg>',
    "svg-script-xlink": f'<svg><script xlink:href="{FB_JS}"></script></svg>',
    "table-background": f'<table background="{FB_PIXEL}"><tr><td>cell</td></tr></table>',
    "style-attribute-url": f'<div style="background-image: url({FB_PIXEL})">styled</div>',
    "style-attribute-css-escape": (
        '<div style="background-image: url(https://www.face\\62 ook.com/tr?id=1)">styled</div>'
    ),
    "style-element-url": f'<style>body {{ background: url("{FB_PIXEL}") }}</style>',
    "style-element-import": f'<style>@import url("{FB_JS.replace(".js", ".css")}");</style>',
    "style-element-import-string": '<style>@import "https://connect.facebook.net/x.css";</style>',
    "iframe-srcdoc": (
        f'<iframe srcdoc="&lt;script src=&quot;{FB_JS}&quot;&gt;&lt;/script&gt;"></iframe>'
    ),
    "meta-refresh": f'<meta http-equiv="refresh" content="0; url={FB_PIXEL}">',
    "object-data": f'<object data="{FB_PIXEL}" width="10" height="10"></object>',
    "embed-src": f'<embed src="{FB_PIXEL}" width="10" height="10">',
    "audio-src": f'<audio src="{FB_PIXEL}" preload="auto"></audio>',
    "video-source": f'<video preload="auto"><source src="{FB_PIXEL}"></video>',
    "link-stylesheet": f'<link rel="stylesheet" href="{FB_JS.replace(".js", ".css")}">',
    "link-modulepreload": f'<link rel="modulepreload" href="{FB_JS}">',
    "link-prefetch": f'<link rel="prefetch" href="{FB_JS}">',
    "body-background": f'<body background="{FB_PIXEL}">',
    "svg-feimage": (
        '<svg width="10" height="10"><filter id="f"><feImage '
        f'href="{FB_PIXEL}"/></filter><rect width="10" height="10" filter="url(#f)"/></svg>'
    ),
    "style-font-face": (
        "<style>@font-face{font-family:T;src:url(https://connect.facebook.net/t.woff2)}"
        "body{font-family:T}</style>"
    ),
    "style-image-set": (
        f"<div style=\"background-image: image-set('{FB_PIXEL}' 1x)\">styled</div>"
    ),
    # -- foreign content: these elements are not raw text inside <svg>/<math> ---
    "svg-style-img": f'<svg><style><img src="{FB_PIXEL}"></style></svg>',
    "svg-title-img": f'<svg><title><img src="{FB_PIXEL}"></title></svg>',
    "svg-textarea-img": f'<svg><textarea><img src="{FB_PIXEL}"></textarea></svg>',
    "svg-xmp-img": f'<svg><xmp><img src="{FB_PIXEL}"></xmp></svg>',
    "svg-iframe-img": f'<svg><iframe><img src="{FB_PIXEL}"></iframe></svg>',
    "svg-noembed-img": f'<svg><noembed><img src="{FB_PIXEL}"></noembed></svg>',
    "svg-noframes-img": f'<svg><noframes><img src="{FB_PIXEL}"></noframes></svg>',
    "math-title-img": f'<math><title><img src="{FB_PIXEL}"></title></math>',
    "math-style-img": f'<math><style><img src="{FB_PIXEL}"></style></math>',
    # -- script data: escaped and double-escaped states ---------------------------
    "script-document-write-legacy": (
        "<script><!--\ndocument.write('<script src=\"/static/local.js\"></script>');\n"
        + META_LOADER
        + "\n//--></script>"
    ),
    "script-double-escaped": ("<script><!--<script></script>\n" + META_LOADER + "\n//--></script>"),
    # -- comments, in the forms the tokenizer ends early ------------------------
    "comment-abrupt": f'<!--><script src="{FB_JS}"></script>-->',
    "comment-abrupt-dash": f'<!---><script src="{FB_JS}"></script>-->',
    "comment-bang-end": f'<!-- x --!><script src="{FB_JS}"></script>-->',
    "end-tag-form-feed": f'<textarea>x</textarea\x0c><script src="{FB_JS}"></script>',
}

_PIXEL_CONCAT = "'https://www.face'+'book.com/tr?id=1'"
_JS_CONCAT = "'https://connect.face'+'book.net/en_US/fbevents.js'"

#: Inline code that fetches a Meta Pixel URL at run time (issue 16, "Inline code").
#: The ``literal-*`` ones spell the host literally, so static rewriting can see
#: them; the others assemble it, so only the CSP (``TagGate(csp="strict")``) can
#: stop the fetch. Every one is checked raw in Chromium.
INLINE: dict[str, str] = {
    "literal-new-image": f'<script>new Image().src="{FB_PIXEL}";</script>',
    "literal-handler-attribute": (
        f'<img src="/static/missing.png" alt="" onerror="new Image().src=\'{FB_PIXEL}\'">'
    ),
    "literal-import-map": (
        '<script type="importmap">{"imports":{"fb":"' + FB_JS + '"}}</script>'
        '<script type="module">import "fb";</script>'
    ),
    "literal-data-url-script": (
        '<script src="data:text/javascript,new%20Image().src=%22https://www.facebook.com/tr%22">'
        "</script>"
    ),
    "literal-data-url-iframe": (
        '<iframe src="data:text/html,&lt;img src=https://www.facebook.com/tr?id=1&gt;"></iframe>'
    ),
    "literal-javascript-url-iframe": (
        "<iframe src=\"javascript:'&lt;img src=https://www.facebook.com/tr?id=1&gt;'\"></iframe>"
    ),
    "concat-new-image": f"<script>new Image().src={_PIXEL_CONCAT};</script>",
    "concat-send-beacon": f"<script>navigator.sendBeacon({_PIXEL_CONCAT}, 'x');</script>",
    "concat-fetch": f"<script>fetch({_JS_CONCAT}, {{mode: 'no-cors'}});</script>",
    "concat-import": f"<script>import({_JS_CONCAT}).catch(function () {{}});</script>",
    "concat-document-write": (
        "<script>document.write('<scr'+'ipt src=\"'+" + _JS_CONCAT + "+'\"></scr'+'ipt>');</script>"
    ),
    "concat-handler-attribute": (
        f'<img src="/static/missing.png" alt="" onerror="new Image().src={_PIXEL_CONCAT}">'
    ),
    "concat-set-timeout-string": (
        "<script>setTimeout(\"new Image().src='https://www.face'+'book.com/tr'\", 0);</script>"
    ),
    "concat-css-from-script": (
        "<script>document.body.style.backgroundImage='url('+" + _PIXEL_CONCAT + "+')';</script>"
    ),
    "concat-srcdoc-script": (
        "<iframe srcdoc=\"&lt;script&gt;new Image().src='https://www.face'+'book.com/tr'"
        '&lt;/script&gt;"></iframe>'
    ),
    "concat-blob-worker": (
        '<script>new Worker(URL.createObjectURL(new Blob(["fetch("+JSON.stringify('
        + _JS_CONCAT
        + ")+\",{mode:'no-cors'})\"], {type: 'text/javascript'})));</script>"
    ),
    "concat-link-preload": (
        "<script>var l=document.createElement('link');l.rel='preload';l.as='script';"
        f"l.href={_JS_CONCAT};document.head.appendChild(l);</script>"
    ),
    "concat-form-submit": (
        '<form id="f" method="post" action="/x"><input name="a" value="1"></form>'
        "<script>addEventListener('load',function(){var f=document.getElementById('f');"
        f"f.action={_PIXEL_CONCAT};f.submit();}});</script>"
    ),
}

#: Leaks found in the rewriter engine of issue 16 after it landed (by the html5lib
#: differential test over :func:`documents`, confirmed in Chromium). Not in
#: :data:`FRAGMENTS`, so the fuzzers stay green on what is fixed; the construct
#: table and the html5lib table hold those still in :data:`OPEN_ENGINE_LEAKS` as
#: ``xfail(strict=True)`` until fixed.
ENGINE_LEAKS: dict[str, str] = {
    # An end tag with no open element of its name inside <svg> (ignored by the
    # tree builder) makes the rewriter miss that a later breakout tag (<p>,
    # <meta>, <b>, ...) leaves foreign content: it then reads <![CDATA[ as a
    # CDATA section and skips what follows, while the browser reads a bogus
    # comment ending at the first ">" and loads the <img>.
    "foreign-unmatched-end-tag-breakout-cdata": f'<svg></g><p><![CDATA[><img src="{FB_PIXEL}">',
}
#: The rows of :data:`ENGINE_LEAKS` not fixed yet (none: the CDATA one is, rwC).
OPEN_ENGINE_LEAKS: frozenset[str] = frozenset()

#: ``<frame>`` only works in a frameset document (no ``<body>``): a whole page.
FRAMESET = (
    '<!doctype html><html><head><meta charset="utf-8"><title>frames</title></head>'
    f'<frameset cols="100%"><frame src="{FB_PIXEL}"></frameset></html>'
)


def page(fragment: str, *, title: str = "construct", charset: str | None = "utf-8") -> str:
    """A small, ordinary page around ``fragment`` (in ``<body>``)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!doctype html><html><head>{meta}<title>{title}</title>"
        '<link rel="stylesheet" href="/static/site.css"></head>'
        f"<body><h1>{title}</h1><p>Ordinary text &amp; a "
        '<a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fshop.example">share</a>'
        f" link.</p>{fragment}<p>after</p></body></html>"
    )


# -- the hypothesis strategy ---------------------------------------------------

_TAG_NAMES = (
    "div", "p", "span", "a", "img", "script", "style", "title", "textarea", "xmp",
    "iframe", "noembed", "noframes", "noscript", "template", "plaintext", "table",
    "select", "option", "base", "meta", "link", "object", "embed", "frame", "picture",
    "source", "video", "image", "input",
)  # fmt: skip
#: Elements that enter or leave foreign content (where raw-text elements are not raw).
_FOREIGN_NAMES = ("svg", "math", "mtext", "foreignObject", "desc", "annotation-xml")
_ATTR_NAMES = ("src", "href", "srcset", "style", "title", "alt", "type", "data-x", "xlink:href")
_SOUP = (
    "<", "</", ">", "/>", "<!--", "-->", "--!>", "<!-->", "<!", "<?", "<![CDATA[", "]]>",
    '"', "'", "=", "&", "&amp;", "&#", "&lt;", " ", "\n", "\t", "\x0c", "\\", "/", "`",
    "<script>", "</script>", "</style>", "</title>", "</textarea>",
)  # fmt: skip
#: Pieces that drive script data into its escaped and double-escaped states.
_SCRIPT_ESCAPES = ("<!--<script>", "<script><!--", "<!--<script ", "-->")


@st.composite
def _tag(draw: st.DrawFn, names: tuple[str, ...] = _TAG_NAMES) -> str:
    name = draw(st.sampled_from(names))
    if draw(st.booleans()):
        name = name.upper()
    closing = draw(st.integers(0, 4)) == 0
    attrs = []
    for _ in range(draw(st.integers(0, 2))):
        attr = draw(st.sampled_from(_ATTR_NAMES))
        value = draw(st.sampled_from(("", "x", "/static/local.png", "a b", "<b>", "'", '"')))
        quote = draw(st.sampled_from(('"', "'", "")))
        attrs.append(f" {attr}={quote}{value}{quote}" if value or quote else f" {attr}")
    return (
        f"<{'/' if closing else ''}{name}{''.join(attrs)}{draw(st.sampled_from(('>', '/>', ' >')))}"
    )


def _soup() -> st.SearchStrategy[str]:
    names = (*_TAG_NAMES, *_FOREIGN_NAMES)
    pieces = (*_SOUP, *_SCRIPT_ESCAPES)
    return st.one_of(
        _tag(names), st.sampled_from(pieces), st.text(alphabet="ab <>/-!\"'=&;", max_size=8)
    )


@dataclass(frozen=True)
class Document:
    """A generated document: its bytes and how they are split into body messages."""

    html: bytes
    cuts: tuple[int, ...]
    #: The fragments (by :data:`FRAGMENTS` key) that went into it, for the failure message.
    constructs: tuple[str, ...]

    def chunks(self) -> list[bytes]:
        out = []
        at = 0
        for cut in (*self.cuts, len(self.html)):
            out.append(self.html[at:cut])
            at = cut
        return out


@st.composite
def documents(
    draw: st.DrawFn,
    constructs: tuple[str, ...] | None = None,
    *,
    max_soup: int = 12,
) -> Document:
    """A hostile document: construct fragments and tag soup, whole page, random body split.

    ``constructs`` limits the fragments (default: all of :data:`FRAGMENTS`);
    the soup enters and leaves foreign content (``<svg>``, ``<math>``) and
    script data's escaped states.
    """
    names = tuple(sorted(FRAGMENTS)) if constructs is None else constructs
    soup = _soup()
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
    parts: list[str] = []
    for name in chosen:
        parts.extend(draw(st.lists(soup, max_size=max_soup)))
        parts.append(FRAGMENTS[name])
    parts.extend(draw(st.lists(soup, max_size=max_soup)))
    html = page("".join(parts)).encode("utf-8")
    cuts = tuple(sorted(set(draw(st.lists(st.integers(1, len(html) - 1), max_size=3)))))
    return Document(html, cuts, tuple(chosen))
