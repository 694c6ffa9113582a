# ruff: noqa: E501  (the vendors' snippets are quoted verbatim)
"""Realistic pages with the vendors' official snippets, and an independent checker.

The checker uses the stdlib ``html.parser`` (a different tokenizer from the
rewriter's) to list every *active* tag of a document: executable scripts with
their ``src`` or inline text, and iframes/images/links/embeds/objects with a
URL. Tests assert that none of them belongs to a vendor without consent.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

from privmw.trackers import TrackerRegistry, Vendor

GA4 = """<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-ABCDEF1234');
</script>"""

GTM_HEAD = """<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXX123');</script>
<!-- End Google Tag Manager -->"""

GTM_BODY = """<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXX123"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<!-- End Google Tag Manager (noscript) -->"""

GTM_SCRIPT = (
    """<script async src="https://www.googletagmanager.com/gtm.js?id=GTM-XXXX123"></script>"""
)

GOOGLE_ADS = """<!-- Google tag (gtag.js) -->
<script async src="https://www.googleadservices.com/pagead/conversion_async.js"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'AW-123456789');
</script>"""

ADSENSE = """<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1234567890123456"
     crossorigin="anonymous"></script>
<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-1234567890123456"
     data-ad-slot="1234567890" data-ad-format="auto" data-full-width-responsive="true"></ins>
<script>
     (adsbygoogle = window.adsbygoogle || []).push({});
</script>"""

META_PIXEL = """<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890123456');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=1234567890123456&ev=PageView&noscript=1"
/></noscript>
<!-- End Meta Pixel Code -->"""

META_SCRIPT = """<script async src="https://connect.facebook.net/en_US/fbevents.js"></script>"""

HOTJAR = """<!-- Hotjar Tracking Code for example.org -->
<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>"""

CLARITY = """<script type="text/javascript">
    (function(c,l,a,r,i,t,y){
        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
    })(window, document, "clarity", "script", "abcdefghij");
</script>"""

UET = """<script>(function(w,d,t,r,u){var f,n,i;w[u]=w[u]||[],f=function(){var o={ti:"12345678", enableAutoSpaTracking: true};o.q=w[u],w[u]=new UET(o),w[u].push("pageLoad")},n=d.createElement(t),n.src=r,n.async=1,n.onload=n.onreadystatechange=function(){var s=this.readyState;s&&s!=="loaded"&&s!=="complete"||(f(),n.onload=n.onreadystatechange=null)},i=d.getElementsByTagName(t)[0],i.parentNode.insertBefore(n,i)})(window,document,"script","//bat.bing.com/bat.js","uetq");</script>"""

CRISP = """<script type="text/javascript">window.$crisp=[];window.CRISP_WEBSITE_ID="0a1b2c3d-4e5f-6789-abcd-ef0123456789";(function(){d=document;s=d.createElement("script");s.src="https://client.crisp.chat/l.js";s.async=1;d.getElementsByTagName("head")[0].appendChild(s);})();</script>"""

YOUTUBE = """<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc"
title="YouTube video player" frameborder="0"
allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture; web-share"
referrerpolicy="strict-origin-when-cross-origin" allowfullscreen></iframe>"""

VIMEO = """<div style="padding:56.25% 0 0 0;position:relative;"><iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e&amp;badge=0" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" style="position:absolute;top:0;left:0;width:100%;height:100%;" title="Demo"></iframe></div><script src="https://player.vimeo.com/api/player.js"></script>"""

#: snippet name -> (vendors it belongs to, where it goes, markup)
SNIPPETS: dict[str, tuple[frozenset[str], str, str]] = {
    "ga4": (frozenset({"google-analytics"}), "head", GA4),
    "gtm": (frozenset({"google-tag-manager"}), "head", GTM_HEAD),
    "gtm-noscript": (frozenset({"google-tag-manager"}), "body", GTM_BODY),
    "gtm-script": (frozenset({"google-tag-manager"}), "head", GTM_SCRIPT),
    "google-ads": (frozenset({"google-ads", "google-analytics"}), "head", GOOGLE_ADS),
    "adsense": (frozenset({"google-ads"}), "body", ADSENSE),
    "meta-pixel": (frozenset({"meta-pixel"}), "head", META_PIXEL),
    "meta-script": (frozenset({"meta-pixel"}), "head", META_SCRIPT),
    "hotjar": (frozenset({"hotjar"}), "head", HOTJAR),
    "clarity": (frozenset({"microsoft-clarity"}), "head", CLARITY),
    "uet": (frozenset({"microsoft-uet"}), "head", UET),
    "crisp": (frozenset({"crisp"}), "body", CRISP),
    "youtube": (frozenset({"youtube"}), "body", YOUTUBE),
    "vimeo": (frozenset({"vimeo"}), "body", VIMEO),
}

#: A page of the app's own, with same-origin scripts, data blocks and look-alikes.
OWN_HEAD = """<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme &mdash; Trail gear</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js" defer></script>
<script type="module" src="/static/widgets.mjs"></script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","url":"https://acme.example","sameAs":["https://www.facebook.com/acme","https://www.youtube.com/acme"]}</script>
<script>window.APP = {cdn: "https://cdn.acme.example", notfacebook: "https://notfacebook.net/x.js"};</script>"""

OWN_BODY = """<header><nav><a href="/">Home</a> <a href="https://www.facebook.com/acme">Facebook</a></nav></header>
<main>
<h1>Ultralight tents</h1>
<img src="/img/tent.webp" alt="A tent" width="640" height="480" loading="lazy">
<img src="https://cdn.acme.example/img/pack.jpg" alt="A pack">
<p>Follow us on youtube.com/acme &amp; facebook.com/acme. Price: 5 &lt; 10.</p>
<textarea name="note"><script src="https://connect.facebook.net/x.js"></script></textarea>
<!-- <script async src="https://www.googletagmanager.com/gtag/js?id=G-OLD"></script> -->
<form action="/search"><input name="q" value="a > b"></form>
</main>"""


def page(names: list[str]) -> str:
    head = "\n".join(SNIPPETS[n][2] for n in names if SNIPPETS[n][1] == "head")
    body = "\n".join(SNIPPETS[n][2] for n in names if SNIPPETS[n][1] == "body")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        + OWN_HEAD
        + "\n"
        + head
        + "\n</head>\n<body>\n"
        + body
        + "\n"
        + OWN_BODY
        + "\n</body>\n</html>\n"
    )


TRACKER_FREE = (
    "<!DOCTYPE html>\n<html><head>\n"
    + OWN_HEAD
    + "\n</head><body>\n"
    + OWN_BODY
    + "\n</body></html>\n"
)

_JS = {
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "text/ecmascript",
    "application/ecmascript",
    "text/partytown",
}
_URL_ATTR = {"iframe": "src", "img": "src", "embed": "src", "link": "href", "object": "data"}
_GCM_PREFIX = (
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
    "gtag('consent','default',"
)


class ActiveTags(HTMLParser):
    """Every element that would load or run something, with its vendor."""

    def __init__(self, registry: TrackerRegistry) -> None:
        super().__init__(convert_charrefs=True)
        self.registry = registry
        self.found: list[tuple[str, Vendor | None, str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        first: dict[str, str | None] = {}
        for k, v in attrs:
            first.setdefault(k, v)
        if tag == "script":
            self._script = first
            self._text = []
            return
        if tag in ("textarea", "title", "xmp", "noembed", "noframes"):
            self.set_cdata_mode(tag)  # raw text, as browsers read it
            return
        attr = _URL_ATTR.get(tag)
        if attr and first.get(attr):
            url = first[attr] or ""
            self.found.append((tag, self.registry.match_url(url), url))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self._script is None:
            return
        attrs, self._script = self._script, None
        if (attrs.get("type") or "").strip().lower() not in _JS:
            return
        src = attrs.get("src")
        if src:
            self.found.append(("script", self.registry.match_url(src), src))
            return
        text = "".join(self._text)
        if text.startswith(_GCM_PREFIX) and "gtag(" not in text[len(_GCM_PREFIX) :]:
            return  # privmw's own Consent Mode defaults
        for vendor in self.registry.inline_vendors(text.encode("utf-8")):
            self.found.append(("inline", vendor, text[:40]))


def active_vendors(
    document: bytes, registry: TrackerRegistry
) -> list[tuple[str, Vendor | None, str]]:
    parser = ActiveTags(registry)
    parser.feed(document.decode("utf-8"))
    parser.close()
    return parser.found


def allowing(*categories: str) -> Callable[[str], bool]:
    allowed = {"necessary", *categories}
    return lambda category: category in allowed
