"""The default vendor data: who the trackers are, where they load from, what they set.

Facts from each vendor's own documentation and official embed snippet: the
hosts its tags, frames, pixels and beacons use (``urls``, for matching; the
CSP sources in ``csp``), the names it writes on the *site's* domain
(``cookies``), substrings that only its inline snippet carries
(``signatures``) and where its privacy information is. Only data lives here;
:mod:`privmw.trackers` holds the :class:`~privmw.Vendor` type and the
registry that indexes these entries.

Precision rules the entries follow (``tests/test_vendors.py`` checks them):

* prefer hosts to signatures; a signature is a host, a path or an
  identifier only the vendor's snippet carries (``fbevents.js``,
  ``_linkedin_partner_id``), never a bare word a site's own script may hold
  (``"clarity"``, ``uetq``, ``analytics``);
* cookie names are distinctive: no generic word (``session``, ``lang``), no
  name of fewer than four characters unless it starts with ``_``; cookies
  the vendor keeps on its own domain (YouTube's ``PREF``, DoubleClick's
  ``IDE``) are left out, since the site never sees them;
* categories are defaults: a site moves a vendor with
  ``PrivacyMiddleware(vendor_categories={"recaptcha": "necessary"})``.
  Cookieless analytics (Plausible, Fathom, Cloudflare Web Analytics), error
  monitoring (Sentry, New Relic) and fonts wait for consent by default;
  reCAPTCHA and Stripe.js, which protect forms and take payments, are
  ``necessary``.
"""

from __future__ import annotations

from .trackers import Vendor

__all__: list[str] = []

_GOOGLE_PRIVACY = "https://business.safety.google/privacy/"
_GOOGLE = "Google Ireland Limited"
_META_PRIVACY = "https://www.facebook.com/privacy/policy/"
_META = "Meta Platforms Ireland Limited"
_MICROSOFT_PRIVACY = "https://www.microsoft.com/en-us/privacy/privacystatement"
_MICROSOFT = "Microsoft Ireland Operations Limited"

# -- Google ------------------------------------------------------------------

_GOOGLE_ANALYTICS = Vendor(
    name="google-analytics",
    label="Google Analytics 4 (gtag.js)",
    category="analytics",
    urls=(
        "googletagmanager.com/gtag/js",
        "google-analytics.com",
        "analytics.google.com",
        "ssl.google-analytics.com",
    ),
    cookies=(
        "_ga",
        "_ga_*",
        "_gid",
        "_gat",
        "_gat_*",
        "_dc_gtm_*",
        "_gac_*",
        "AMP_TOKEN",
        "__utma",
        "__utmb",
        "__utmc",
        "__utmt",
        "__utmz",
    ),
    signatures=("gtag(", "google-analytics.com/analytics.js", "GoogleAnalyticsObject"),
    csp={
        "script-src": ("https://*.googletagmanager.com",),
        "img-src": ("https://*.google-analytics.com", "https://*.googletagmanager.com"),
        "connect-src": (
            "https://*.google-analytics.com",
            "https://*.analytics.google.com",
            "https://*.googletagmanager.com",
        ),
    },
    purpose="Audience measurement: pages viewed, visit length, device type.",
    privacy_url=_GOOGLE_PRIVACY,
    controller=_GOOGLE,
)

_GOOGLE_TAG_MANAGER = Vendor(
    name="google-tag-manager",
    label="Google Tag Manager",
    category="analytics",
    urls=("googletagmanager.com/gtm.js", "googletagmanager.com/ns.html", "googletagmanager.com"),
    signatures=("googletagmanager.com/gtm.js", "gtm.start"),
    csp={
        "script-src": ("https://www.googletagmanager.com",),
        "img-src": ("https://www.googletagmanager.com",),
        "frame-src": ("https://www.googletagmanager.com",),
        "connect-src": ("https://www.googletagmanager.com",),
    },
    purpose="Loads further measurement and advertising tags configured by the site.",
    privacy_url=_GOOGLE_PRIVACY,
    controller=_GOOGLE,
)

_GOOGLE_ADS = Vendor(
    name="google-ads",
    label="Google Ads, DoubleClick and AdSense",
    category="marketing",
    urls=(
        "googleadservices.com",
        "doubleclick.net",
        "googlesyndication.com",
        "adservice.google.com",
        "fundingchoicesmessages.google.com",
        "adtrafficquality.google",
        "google.com/pagead",
        "google.com/ads",
    ),
    cookies=(
        "_gcl_au",
        "_gcl_aw",
        "_gcl_dc",
        "_gcl_gs",
        "_gcl_*",
        "__gads",
        "__gpi",
        "__eoi",
    ),
    signatures=("adsbygoogle", "googletag.cmd", "gtag('config', 'AW-", 'gtag("config", "AW-'),
    csp={
        "script-src": (
            "https://www.googleadservices.com",
            "https://googleads.g.doubleclick.net",
            "https://pagead2.googlesyndication.com",
            "https://securepubads.g.doubleclick.net",
            "https://tpc.googlesyndication.com",
            "https://adservice.google.com",
        ),
        "img-src": (
            "https://googleads.g.doubleclick.net",
            "https://*.g.doubleclick.net",
            "https://pagead2.googlesyndication.com",
            "https://www.google.com",
        ),
        "frame-src": (
            "https://td.doubleclick.net",
            "https://bid.g.doubleclick.net",
            "https://*.googlesyndication.com",
        ),
        "connect-src": (
            "https://*.g.doubleclick.net",
            "https://*.googlesyndication.com",
            "https://*.adtrafficquality.google",
        ),
    },
    purpose="Advertising: ad delivery, conversion measurement and remarketing.",
    privacy_url=_GOOGLE_PRIVACY,
    controller=_GOOGLE,
)

_GOOGLE_FONTS = Vendor(
    name="google-fonts",
    label="Google Fonts",
    category="preferences",
    urls=("fonts.googleapis.com", "fonts.gstatic.com"),
    signatures=("fonts.googleapis.com/css",),
    csp={
        "style-src": ("https://fonts.googleapis.com",),
        "font-src": ("https://fonts.gstatic.com",),
    },
    purpose="Web fonts served by Google; each request gives Google the visitor's IP address.",
    privacy_url="https://developers.google.com/fonts/faq/privacy",
    controller=_GOOGLE,
)

_GOOGLE_MAPS = Vendor(
    name="google-maps",
    label="Google Maps",
    category="marketing",
    urls=("maps.googleapis.com", "maps.gstatic.com", "maps.google.com", "google.com/maps"),
    signatures=(
        "maps.googleapis.com/maps/api/js",
        "The Google Maps JavaScript API",
        "maps.${c}apis.com",
    ),
    csp={
        "script-src": ("https://maps.googleapis.com",),
        "img-src": ("https://maps.gstatic.com", "https://*.googleapis.com"),
        "frame-src": ("https://www.google.com",),
        "connect-src": ("https://maps.googleapis.com",),
    },
    purpose="Embedded maps; Google sets its own cookies and learns who views the map.",
    privacy_url="https://policies.google.com/privacy",
    controller=_GOOGLE,
)

_RECAPTCHA = Vendor(
    name="recaptcha",
    label="Google reCAPTCHA",
    category="necessary",
    urls=("google.com/recaptcha", "gstatic.com/recaptcha", "recaptcha.net"),
    cookies=("_GRECAPTCHA",),
    signatures=("google.com/recaptcha/api.js", "recaptcha.net/recaptcha"),
    csp={
        "script-src": ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"),
        "frame-src": ("https://www.google.com/recaptcha/", "https://recaptcha.google.com/"),
    },
    purpose="Protects forms from abuse by telling people and bots apart.",
    privacy_url="https://policies.google.com/privacy",
    controller=_GOOGLE,
)

_YOUTUBE = Vendor(
    name="youtube",
    label="YouTube embedded videos",
    category="marketing",
    urls=("youtube.com", "youtube-nocookie.com", "youtu.be", "ytimg.com"),
    cookies=("VISITOR_INFO1_LIVE", "VISITOR_PRIVACY_METADATA"),
    signatures=("youtube.com/iframe_api", "YT.Player"),
    csp={
        "frame-src": ("https://www.youtube.com", "https://www.youtube-nocookie.com"),
        "script-src": ("https://www.youtube.com",),
        "img-src": ("https://i.ytimg.com", "https://s.ytimg.com"),
    },
    purpose="Embedded videos; YouTube sets its own cookies and profiles viewers.",
    privacy_url="https://policies.google.com/privacy",
    controller=_GOOGLE,
)

# -- Meta ----------------------------------------------------------------------

_META_PIXEL = Vendor(
    name="meta-pixel",
    label="Meta Pixel (Facebook)",
    category="marketing",
    urls=("connect.facebook.net", "facebook.com/tr"),
    cookies=("_fbp", "_fbc"),
    signatures=("fbq(", "/fbevents.js", "_fbq"),
    csp={
        "script-src": ("https://connect.facebook.net",),
        "img-src": ("https://www.facebook.com",),
        "connect-src": ("https://www.facebook.com", "https://connect.facebook.net"),
        "frame-src": ("https://www.facebook.com",),
    },
    purpose="Advertising: conversion tracking and audiences on Facebook and Instagram.",
    privacy_url=_META_PRIVACY,
    controller=_META,
)

_FACEBOOK_SOCIAL = Vendor(
    name="facebook-social",
    label="Facebook SDK and social plugins",
    category="marketing",
    urls=("facebook.com/plugins", "facebook.com/v2.0/plugins", "web.facebook.com/plugins"),
    cookies=("fbsr_*", "fbm_*"),
    signatures=("facebook-jssdk", "FB.init(", "/sdk.js#xfbml", "sdk/xfbml"),
    csp={
        "script-src": ("https://connect.facebook.net",),
        "frame-src": ("https://www.facebook.com", "https://web.facebook.com"),
        "img-src": ("https://www.facebook.com", "https://*.fbcdn.net"),
        "connect-src": ("https://www.facebook.com",),
    },
    purpose="Like and share buttons, page and comment plugins, Facebook login.",
    privacy_url=_META_PRIVACY,
    controller=_META,
)

_INSTAGRAM = Vendor(
    name="instagram",
    label="Instagram embeds",
    category="marketing",
    urls=("instagram.com", "cdninstagram.com"),
    signatures=("instagram.com/embed.js", "instgrm.Embeds"),
    csp={
        "script-src": ("https://www.instagram.com",),
        "frame-src": ("https://www.instagram.com",),
        "img-src": ("https://*.cdninstagram.com",),
    },
    purpose="Embedded Instagram posts; Instagram learns who views them.",
    privacy_url="https://privacycenter.instagram.com/policy",
    controller=_META,
)

# -- Other advertising platforms -----------------------------------------------

_LINKEDIN = Vendor(
    name="linkedin-insight",
    label="LinkedIn Insight Tag",
    category="marketing",
    urls=("snap.licdn.com", "px.ads.linkedin.com", "dc.ads.linkedin.com", "linkedin.com/px"),
    cookies=("li_fat_id", "ln_or"),
    signatures=("_linkedin_partner_id", "_linkedin_data_partner_ids", "snap.licdn.com"),
    csp={
        "script-src": ("https://snap.licdn.com",),
        "img-src": ("https://px.ads.linkedin.com",),
        "connect-src": ("https://px.ads.linkedin.com",),
    },
    purpose="Advertising: conversion tracking, retargeting and visitor demographics on LinkedIn.",
    privacy_url="https://www.linkedin.com/legal/privacy-policy",
    controller="LinkedIn Ireland Unlimited Company",
)

_TIKTOK = Vendor(
    name="tiktok-pixel",
    label="TikTok Pixel",
    category="marketing",
    urls=("analytics.tiktok.com", "analytics-sg.tiktok.com"),
    cookies=("_ttp", "_tt_enable_cookie", "ttcsid", "ttcsid_*"),
    signatures=("TiktokAnalyticsObject", "analytics.tiktok.com", "ttq.load("),
    csp={
        "script-src": ("https://analytics.tiktok.com",),
        "connect-src": ("https://analytics.tiktok.com",),
        "img-src": ("https://analytics.tiktok.com",),
    },
    purpose="Advertising: conversion tracking and audiences on TikTok.",
    privacy_url="https://www.tiktok.com/legal/page/eea/privacy-policy/en",
    controller="TikTok Technology Limited",
)

_X_PIXEL = Vendor(
    name="x-pixel",
    label="X (Twitter) Pixel",
    category="marketing",
    urls=("static.ads-twitter.com", "ads-twitter.com", "analytics.twitter.com", "t.co/i/adsct"),
    cookies=("_twclid",),
    signatures=("static.ads-twitter.com/uwt.js", "twq('config'", 'twq("config"', "twq('init'"),
    csp={
        "script-src": ("https://static.ads-twitter.com",),
        "img-src": ("https://analytics.twitter.com", "https://t.co"),
        "connect-src": ("https://analytics.twitter.com", "https://static.ads-twitter.com"),
    },
    purpose="Advertising: conversion tracking and audiences on X.",
    privacy_url="https://x.com/en/privacy",
    controller="Twitter International Unlimited Company",
)

_X_EMBEDS = Vendor(
    name="x-embeds",
    label="X (Twitter) embedded posts and buttons",
    category="marketing",
    urls=("platform.twitter.com", "syndication.twitter.com", "cdn.syndication.twimg.com"),
    signatures=("platform.twitter.com/widgets.js", "twttr.widgets"),
    csp={
        "script-src": ("https://platform.twitter.com",),
        "frame-src": ("https://platform.twitter.com", "https://syndication.twitter.com"),
        "img-src": ("https://pbs.twimg.com", "https://syndication.twitter.com"),
    },
    purpose="Embedded posts, timelines and share buttons; X learns who views them.",
    privacy_url="https://x.com/en/privacy",
    controller="Twitter International Unlimited Company",
)

_PINTEREST = Vendor(
    name="pinterest",
    label="Pinterest Tag and widgets",
    category="marketing",
    urls=("s.pinimg.com", "ct.pinterest.com", "assets.pinterest.com", "widgets.pinterest.com"),
    cookies=("_pin_unauth", "_pinterest_ct", "_pinterest_ct_rt", "_epik", "_derived_epik"),
    signatures=("pintrk(", "s.pinimg.com/ct/core.js", "assets.pinterest.com/js/pinit"),
    csp={
        "script-src": ("https://s.pinimg.com", "https://assets.pinterest.com"),
        "img-src": ("https://ct.pinterest.com", "https://i.pinimg.com"),
        "connect-src": ("https://ct.pinterest.com",),
    },
    purpose="Advertising: conversion tracking and audiences on Pinterest; save buttons.",
    privacy_url="https://policy.pinterest.com/en/privacy-policy",
    controller="Pinterest Europe Limited",
)

_SNAP = Vendor(
    name="snap-pixel",
    label="Snap Pixel (Snapchat)",
    category="marketing",
    urls=("sc-static.net", "tr.snapchat.com", "tr-shadow.snapchat.com"),
    cookies=("_scid", "_scid_r", "_sctr", "_schn"),
    signatures=("snaptr(", "sc-static.net/scevent"),
    csp={
        "script-src": ("https://sc-static.net",),
        "connect-src": ("https://tr.snapchat.com", "https://tr-shadow.snapchat.com"),
        "img-src": ("https://tr.snapchat.com",),
    },
    purpose="Advertising: conversion tracking and audiences on Snapchat.",
    privacy_url="https://values.snap.com/privacy/privacy-policy",
    controller="Snap B.V.",
)

_REDDIT = Vendor(
    name="reddit-pixel",
    label="Reddit Pixel",
    category="marketing",
    urls=("redditstatic.com/ads", "alb.reddit.com", "pixel-config.reddit.com"),
    cookies=("_rdt_uuid", "_rdt_em"),
    signatures=("redditstatic.com/ads/pixel.js", "rdt('init'", 'rdt("init"'),
    csp={
        "script-src": ("https://www.redditstatic.com",),
        "connect-src": ("https://alb.reddit.com", "https://pixel-config.reddit.com"),
        "img-src": ("https://alb.reddit.com",),
    },
    purpose="Advertising: conversion tracking and audiences on Reddit.",
    privacy_url="https://www.reddit.com/policies/privacy-policy",
    controller="Reddit Netherlands B.V.",
)

_BING_UET = Vendor(
    name="microsoft-uet",
    label="Microsoft Advertising UET (Bing Ads)",
    category="marketing",
    urls=("bat.bing.com", "bat.bing.net"),
    cookies=("_uetsid", "_uetvid", "_uetmsclkid", "_uet*"),
    signatures=("bat.bing.com/bat.js", "new UET("),
    csp={
        "script-src": ("https://bat.bing.com",),
        "img-src": ("https://bat.bing.com", "https://bat.bing.net"),
        "connect-src": ("https://bat.bing.com", "https://bat.bing.net"),
    },
    purpose="Advertising: conversion tracking and remarketing on Microsoft Advertising.",
    privacy_url=_MICROSOFT_PRIVACY,
    controller=_MICROSOFT,
)

_CRITEO = Vendor(
    name="criteo",
    label="Criteo OneTag",
    category="marketing",
    urls=("criteo.com", "criteo.net"),
    cookies=("cto_bundle", "cto_bidid", "cto_lwid"),
    signatures=("criteo_q", "static.criteo.net/js/ld", "dynamic.criteo.com/js/ld"),
    csp={
        "script-src": ("https://static.criteo.net", "https://dynamic.criteo.com"),
        "img-src": ("https://*.criteo.com", "https://*.criteo.net"),
        "frame-src": ("https://*.criteo.com",),
        "connect-src": ("https://*.criteo.com",),
    },
    purpose="Advertising: retargeting with product ads across other sites.",
    privacy_url="https://www.criteo.com/privacy/",
    controller="Criteo SA",
)

_TABOOLA = Vendor(
    name="taboola",
    label="Taboola",
    category="marketing",
    urls=("taboola.com", "taboolasyndication.com"),
    cookies=("t_gid", "t_pt_gid"),
    signatures=("cdn.taboola.com/libtrc", "window._tfa", "window._taboola"),
    csp={
        "script-src": ("https://cdn.taboola.com",),
        "img-src": ("https://*.taboola.com",),
        "connect-src": ("https://*.taboola.com",),
        "frame-src": ("https://*.taboola.com",),
    },
    purpose="Advertising: recommended content widgets and conversion tracking.",
    privacy_url="https://www.taboola.com/policies/privacy-policy",
    controller="Taboola Inc.",
)

_OUTBRAIN = Vendor(
    name="outbrain",
    label="Outbrain",
    category="marketing",
    urls=("outbrain.com", "outbrainimg.com"),
    signatures=("amplify.outbrain.com/cp/obtp.js", "OB_ADV_ID", "widgets.outbrain.com"),
    csp={
        "script-src": ("https://amplify.outbrain.com", "https://widgets.outbrain.com"),
        "img-src": ("https://*.outbrain.com", "https://*.outbrainimg.com"),
        "connect-src": ("https://*.outbrain.com",),
    },
    purpose="Advertising: recommended content widgets and conversion tracking.",
    privacy_url="https://www.outbrain.com/privacy/",
    controller="Outbrain Inc.",
)

_AMAZON_ADS = Vendor(
    name="amazon-ads",
    label="Amazon Ads (Publisher Services, apstag)",
    category="marketing",
    urls=("amazon-adsystem.com",),
    signatures=("amazon-adsystem.com/aax2/apstag.js", "apstag.init("),
    csp={
        "script-src": ("https://c.amazon-adsystem.com",),
        "img-src": ("https://*.amazon-adsystem.com",),
        "frame-src": ("https://*.amazon-adsystem.com",),
        "connect-src": ("https://*.amazon-adsystem.com",),
    },
    purpose="Advertising: header bidding and ad delivery by Amazon.",
    privacy_url="https://advertising.amazon.com/resources/ad-policy/privacy-notice",
    controller="Amazon Online UK Limited",
)

_QUANTCAST = Vendor(
    name="quantcast",
    label="Quantcast Measure",
    category="marketing",
    urls=("quantserve.com", "quantcount.com"),
    cookies=("__qca",),
    signatures=(".quantserve.com/quant.js", "window._qevents", "_qevents.push"),
    csp={
        "script-src": ("https://secure.quantserve.com",),
        "img-src": ("https://pixel.quantserve.com",),
        "connect-src": ("https://*.quantserve.com", "https://*.quantcount.com"),
    },
    purpose="Audience measurement and advertising audiences.",
    privacy_url="https://www.quantcast.com/privacy/",
    controller="Quantcast International Limited",
)

_HUBSPOT = Vendor(
    name="hubspot",
    label="HubSpot tracking code",
    category="marketing",
    urls=(
        "hs-scripts.com",
        "hs-analytics.net",
        "hs-banner.com",
        "hscollectedforms.net",
        "hsadspixel.net",
        "track.hubspot.com",
    ),
    cookies=("__hstc", "hubspotutk", "__hssc", "__hssrc", "messagesUtk"),
    signatures=("js.hs-scripts.com", "hs-script-loader"),
    csp={
        "script-src": (
            "https://js.hs-scripts.com",
            "https://js.hs-analytics.net",
            "https://js.hs-banner.com",
            "https://js.hscollectedforms.net",
        ),
        "img-src": ("https://track.hubspot.com",),
        "connect-src": ("https://api.hubspot.com", "https://forms.hscollectedforms.net"),
    },
    purpose="Marketing automation: visitor tracking linked to the site's CRM contacts.",
    privacy_url="https://legal.hubspot.com/privacy-policy",
    controller="HubSpot Ireland Limited",
)

_ADDTHIS = Vendor(
    name="addthis",
    label="AddThis share buttons",
    category="marketing",
    urls=("addthis.com", "addthisedge.com"),
    cookies=("__atuvc", "__atuvs"),
    signatures=("s7.addthis.com/js", "addthis_widget.js"),
    csp={"script-src": ("https://s7.addthis.com",), "img-src": ("https://*.addthis.com",)},
    purpose="Share buttons; AddThis profiled visitors for advertising.",
    privacy_url="https://www.oracle.com/legal/privacy/addthis-privacy-policy.html",
    controller="Oracle America, Inc.",
)

_SHARETHIS = Vendor(
    name="sharethis",
    label="ShareThis share buttons",
    category="marketing",
    urls=("sharethis.com",),
    cookies=("__sharethis_cookie_test__",),
    signatures=("platform-api.sharethis.com/js/sharethis.js",),
    csp={
        "script-src": ("https://platform-api.sharethis.com",),
        "img-src": ("https://*.sharethis.com",),
        "connect-src": ("https://*.sharethis.com",),
    },
    purpose="Share buttons; ShareThis collects browsing data for advertising.",
    privacy_url="https://sharethis.com/privacy/",
    controller="ShareThis, Inc.",
)

# -- Analytics and session recording -------------------------------------------

_HOTJAR = Vendor(
    name="hotjar",
    label="Hotjar",
    category="analytics",
    urls=("hotjar.com", "hotjar.io"),
    cookies=("_hj*",),
    signatures=("_hjSettings", "static.hotjar.com", "hotjar.com/c/hotjar-"),
    csp={
        "script-src": ("https://*.hotjar.com",),
        "img-src": ("https://*.hotjar.com",),
        "connect-src": ("https://*.hotjar.com", "https://*.hotjar.io", "wss://*.hotjar.com"),
        "frame-src": ("https://*.hotjar.com",),
    },
    purpose="Behaviour analytics: heatmaps and session recordings.",
    privacy_url="https://www.hotjar.com/legal/policies/privacy/",
    controller="Hotjar Ltd.",
)

_CLARITY = Vendor(
    name="microsoft-clarity",
    label="Microsoft Clarity",
    category="analytics",
    urls=("clarity.ms",),
    cookies=("_clck", "_clsk"),
    signatures=(
        "clarity.ms/tag",
        '"clarity", "script"',
        "'clarity', 'script'",
        '"clarity","script"',
        "'clarity','script'",
    ),
    csp={
        "script-src": ("https://*.clarity.ms",),
        "img-src": ("https://*.clarity.ms", "https://c.bing.com"),
        "connect-src": ("https://*.clarity.ms", "https://c.bing.com"),
    },
    purpose="Behaviour analytics: heatmaps and session recordings.",
    privacy_url=_MICROSOFT_PRIVACY,
    controller=_MICROSOFT,
)

_CRAZY_EGG = Vendor(
    name="crazy-egg",
    label="Crazy Egg",
    category="analytics",
    urls=("crazyegg.com",),
    cookies=("_ce.*", "cebs", "cebsp_*", "ce_fvd"),
    signatures=("script.crazyegg.com/pages/scripts",),
    csp={
        "script-src": ("https://script.crazyegg.com",),
        "connect-src": ("https://*.crazyegg.com",),
        "img-src": ("https://*.crazyegg.com",),
    },
    purpose="Behaviour analytics: heatmaps, scroll maps and session recordings.",
    privacy_url="https://www.crazyegg.com/privacy",
    controller="Crazy Egg, Inc.",
)

_MOUSEFLOW = Vendor(
    name="mouseflow",
    label="Mouseflow",
    category="analytics",
    urls=("mouseflow.com",),
    cookies=("mf_*",),
    signatures=("cdn.mouseflow.com/projects", "window._mfq"),
    csp={
        "script-src": ("https://cdn.mouseflow.com",),
        "connect-src": ("https://*.mouseflow.com",),
    },
    purpose="Behaviour analytics: session recordings, heatmaps and form analytics.",
    privacy_url="https://mouseflow.com/legal/company/privacy-policy/",
    controller="Mouseflow ApS",
)

_FULLSTORY = Vendor(
    name="fullstory",
    label="FullStory",
    category="analytics",
    urls=("fullstory.com",),
    cookies=("fs_uid", "fs_lua", "fs_cid"),
    signatures=("_fs_org", "edge.fullstory.com/s/fs.js", "fullstory.com/s/fs.js"),
    csp={
        "script-src": ("https://edge.fullstory.com",),
        "connect-src": ("https://rs.fullstory.com", "https://edge.fullstory.com"),
    },
    purpose="Behaviour analytics: session recordings and product analytics.",
    privacy_url="https://www.fullstory.com/legal/privacy-policy/",
    controller="FullStory, Inc.",
)

_LUCKY_ORANGE = Vendor(
    name="lucky-orange",
    label="Lucky Orange",
    category="analytics",
    urls=("luckyorange.com", "luckyorange.net"),
    cookies=("lo-uid", "lo-visits", "_lo_uid", "_lo_v", "_lorid"),
    signatures=("tools.luckyorange.com/core/lo.js", "__lo_site_id"),
    csp={
        "script-src": ("https://tools.luckyorange.com",),
        "connect-src": ("https://*.luckyorange.com", "wss://*.luckyorange.net"),
    },
    purpose="Behaviour analytics: session recordings, heatmaps and chat.",
    privacy_url="https://www.luckyorange.com/privacy",
    controller="Lucky Orange LLC",
)

_SMARTLOOK = Vendor(
    name="smartlook",
    label="Smartlook",
    category="analytics",
    urls=("smartlook.com", "smartlook.cloud"),
    cookies=("SL_C_*", "SL_L_*", "SL_wptGlobTipTmp"),
    signatures=("web-sdk.smartlook.com", "rec.smartlook.com", "smartlook('init'"),
    csp={
        "script-src": ("https://web-sdk.smartlook.com",),
        "connect-src": ("https://*.smartlook.com", "https://*.smartlook.cloud"),
    },
    purpose="Behaviour analytics: session recordings, heatmaps and funnels.",
    privacy_url="https://www.smartlook.com/privacy/",
    controller="Smartlook.com, s.r.o.",
)

_MATOMO = Vendor(
    name="matomo",
    label="Matomo Analytics (Matomo Cloud or a self-hosted tracking code)",
    category="analytics",
    urls=("matomo.cloud", "cdn.matomo.cloud", "innocraft.cloud"),
    cookies=("_pk_*",),
    signatures=("window._paq", "_paq.push(", "matomo.cloud/", "matomo.js"),
    csp={
        "script-src": ("https://cdn.matomo.cloud",),
        "connect-src": ("https://*.matomo.cloud",),
        "img-src": ("https://*.matomo.cloud",),
    },
    purpose="Audience measurement: pages viewed, visit length, device type.",
    privacy_url="https://matomo.org/privacy-policy/",
    controller="InnoCraft Ltd",
)

_PLAUSIBLE = Vendor(
    name="plausible",
    label="Plausible Analytics",
    category="analytics",
    urls=("plausible.io",),
    signatures=("plausible.io/js/", "plausible.init("),
    csp={"script-src": ("https://plausible.io",), "connect-src": ("https://plausible.io",)},
    purpose="Cookieless audience measurement (page views, referrers), no personal profiles.",
    privacy_url="https://plausible.io/privacy",
    controller="Plausible Insights OÜ",
)

_FATHOM = Vendor(
    name="fathom",
    label="Fathom Analytics",
    category="analytics",
    urls=("usefathom.com",),
    signatures=("cdn.usefathom.com/script.js",),
    csp={"script-src": ("https://cdn.usefathom.com",), "img-src": ("https://cdn.usefathom.com",)},
    purpose="Cookieless audience measurement (page views, referrers), no personal profiles.",
    privacy_url="https://usefathom.com/privacy",
    controller="Conva Ventures Inc.",
)

_MIXPANEL = Vendor(
    name="mixpanel",
    label="Mixpanel",
    category="analytics",
    urls=("mxpnl.com", "mixpanel.com"),
    cookies=("mp_*_mixpanel",),
    signatures=("MIXPANEL_CUSTOM_LIB_URL", "cdn.mxpnl.com/libs/mixpanel"),
    csp={
        "script-src": ("https://cdn.mxpnl.com",),
        "connect-src": ("https://api-js.mixpanel.com", "https://api-eu.mixpanel.com"),
    },
    purpose="Product analytics: events, funnels and retention of identified visitors.",
    privacy_url="https://mixpanel.com/legal/privacy-policy/",
    controller="Mixpanel, Inc.",
)

_AMPLITUDE = Vendor(
    name="amplitude",
    label="Amplitude",
    category="analytics",
    urls=("amplitude.com",),
    cookies=("AMP_*", "amplitude_id*"),
    signatures=("cdn.amplitude.com/", "amplitude.init("),
    csp={
        "script-src": ("https://cdn.amplitude.com",),
        "connect-src": (
            "https://api2.amplitude.com",
            "https://api.eu.amplitude.com",
            "https://sr-client-cfg.amplitude.com",
        ),
    },
    purpose="Product analytics: events, funnels, session replay of identified visitors.",
    privacy_url="https://amplitude.com/privacy",
    controller="Amplitude, Inc.",
)

_SEGMENT = Vendor(
    name="segment",
    label="Segment (Twilio) analytics.js",
    category="analytics",
    urls=("cdn.segment.com", "segment.io", "segment.com/analytics.js"),
    cookies=("ajs_anonymous_id", "ajs_user_id", "ajs_group_id"),
    signatures=("cdn.segment.com/analytics.js", "analytics.SNIPPET_VERSION"),
    csp={
        "script-src": ("https://cdn.segment.com",),
        "connect-src": ("https://api.segment.io", "https://cdn.segment.com"),
    },
    purpose="Collects events and forwards them to the analytics and advertising tools "
    "the site connects.",
    privacy_url="https://www.twilio.com/en-us/legal/privacy",
    controller="Twilio Inc.",
)

_HEAP = Vendor(
    name="heap",
    label="Heap",
    category="analytics",
    urls=("heapanalytics.com", "heap-api.com", "heap.io/js"),
    cookies=("_hp2_*", "_hp5_*"),
    signatures=("heapanalytics.com/js/heap-", "heap-api.com/config", "heap.load("),
    csp={
        "script-src": ("https://cdn.heapanalytics.com", "https://cdn.us.heap-api.com"),
        "img-src": ("https://heapanalytics.com",),
        "connect-src": ("https://heapanalytics.com", "https://c.us.heap-api.com"),
    },
    purpose="Product analytics: every click and page view captured automatically.",
    privacy_url="https://www.heap.io/privacy",
    controller="Heap Inc.",
)

_POSTHOG = Vendor(
    name="posthog",
    label="PostHog Cloud",
    category="analytics",
    urls=("posthog.com",),
    cookies=("ph_*_posthog",),
    signatures=("i.posthog.com", "posthog.init("),
    csp={
        "script-src": ("https://*.i.posthog.com",),
        "connect-src": ("https://*.i.posthog.com",),
    },
    purpose="Product analytics, session replay and feature flags.",
    privacy_url="https://posthog.com/privacy",
    controller="PostHog Inc.",
)

_ADOBE_LAUNCH = Vendor(
    name="adobe-launch",
    label="Adobe Experience Platform Tags (Launch)",
    category="analytics",
    urls=("assets.adobedtm.com",),
    signatures=("assets.adobedtm.com/",),
    csp={"script-src": ("https://assets.adobedtm.com",)},
    purpose="Loads the measurement and advertising tags configured by the site.",
    privacy_url="https://www.adobe.com/privacy/policy.html",
    controller="Adobe Systems Software Ireland Limited",
)

_ADOBE_ANALYTICS = Vendor(
    name="adobe-analytics",
    label="Adobe Analytics and Experience Cloud ID",
    category="analytics",
    urls=("omtrdc.net", "2o7.net", "demdex.net"),
    cookies=("s_cc", "s_sq", "s_vi", "s_fid", "s_ecid", "AMCV_*", "AMCVS_*", "mbox"),
    signatures=(".omtrdc.net", ".2o7.net", "AppMeasurement_Module_"),
    csp={
        "img-src": ("https://*.omtrdc.net", "https://*.2o7.net"),
        "connect-src": ("https://*.omtrdc.net", "https://*.demdex.net"),
    },
    purpose="Audience measurement and visitor identification across Adobe's products.",
    privacy_url="https://www.adobe.com/privacy/policy.html",
    controller="Adobe Systems Software Ireland Limited",
)

_YANDEX_METRICA = Vendor(
    name="yandex-metrica",
    label="Yandex Metrica",
    category="analytics",
    urls=("mc.yandex.ru", "mc.yandex.com"),
    cookies=("_ym_*",),
    signatures=("mc.yandex.ru/metrika", "mc.yandex.com/metrika"),
    csp={
        "script-src": ("https://mc.yandex.ru",),
        "img-src": ("https://mc.yandex.ru",),
        "connect-src": ("https://mc.yandex.ru",),
        "frame-src": ("https://mc.yandex.ru",),
    },
    purpose="Audience measurement and session recordings (Webvisor).",
    privacy_url="https://yandex.com/legal/confidential/",
    controller="YANDEX LLC",
)

_BAIDU_TONGJI = Vendor(
    name="baidu-tongji",
    label="Baidu Tongji (Baidu Analytics)",
    category="analytics",
    urls=("hm.baidu.com", "hmcdn.baidu.com"),
    cookies=("Hm_lvt_*", "Hm_lpvt_*"),
    signatures=("hm.baidu.com/hm.js",),
    csp={"script-src": ("https://hm.baidu.com",), "img-src": ("https://hm.baidu.com",)},
    purpose="Audience measurement for visitors from China.",
    privacy_url="https://tongji.baidu.com/web/help/article?id=330",
    controller="Beijing Baidu Netcom Science and Technology Co., Ltd.",
)

_CLOUDFLARE_WA = Vendor(
    name="cloudflare-web-analytics",
    label="Cloudflare Web Analytics",
    category="analytics",
    urls=("static.cloudflareinsights.com", "cloudflareinsights.com"),
    signatures=("static.cloudflareinsights.com/beacon.min.js",),
    csp={
        "script-src": ("https://static.cloudflareinsights.com",),
        "connect-src": ("https://cloudflareinsights.com",),
    },
    purpose="Cookieless audience measurement and page-load timing.",
    privacy_url="https://www.cloudflare.com/privacypolicy/",
    controller="Cloudflare, Inc.",
)

_NEW_RELIC = Vendor(
    name="new-relic",
    label="New Relic browser monitoring",
    category="analytics",
    urls=("js-agent.newrelic.com", "nr-data.net"),
    signatures=("NREUM", "js-agent.newrelic.com"),
    csp={
        "script-src": ("https://js-agent.newrelic.com",),
        "connect-src": ("https://bam.nr-data.net", "https://bam-cell.nr-data.net"),
    },
    purpose="Performance and error monitoring of page loads and browser sessions.",
    privacy_url="https://newrelic.com/termsandconditions/privacy",
    controller="New Relic, Inc.",
)

_SENTRY = Vendor(
    name="sentry",
    label="Sentry browser SDK",
    category="analytics",
    urls=("sentry-cdn.com", "sentry.io"),
    signatures=("sentry-cdn.com", "Sentry.init(", "Sentry.onLoad("),
    csp={
        "script-src": ("https://browser.sentry-cdn.com", "https://js.sentry-cdn.com"),
        "connect-src": ("https://*.ingest.sentry.io", "https://*.ingest.us.sentry.io"),
    },
    purpose="Error monitoring: script errors, and session replays if the site turns them on.",
    privacy_url="https://sentry.io/privacy/",
    controller="Functional Software, Inc. (Sentry)",
)

# -- Chat and support ------------------------------------------------------------

_CRISP = Vendor(
    name="crisp",
    label="Crisp chat",
    category="preferences",
    urls=("client.crisp.chat", "crisp.chat"),
    cookies=("crisp-client/*", "crisp-client%2F*"),
    signatures=("$crisp", "CRISP_WEBSITE_ID", "client.crisp.chat/l.js"),
    csp={
        "script-src": ("https://client.crisp.chat", "https://settings.crisp.chat"),
        "img-src": ("https://client.crisp.chat", "https://image.crisp.chat"),
        "connect-src": (
            "https://client.crisp.chat",
            "wss://client.relay.crisp.chat",
            "https://storage.crisp.chat",
        ),
        "font-src": ("https://client.crisp.chat",),
        "style-src": ("https://client.crisp.chat",),
        "frame-src": ("https://game.crisp.chat",),
    },
    purpose="Live chat with the site's support team.",
    privacy_url="https://crisp.chat/en/privacy/",
    controller="Crisp IM SAS",
)

_INTERCOM = Vendor(
    name="intercom",
    label="Intercom Messenger",
    category="preferences",
    urls=("intercom.io", "intercomcdn.com", "intercomassets.com"),
    cookies=("intercom-id-*", "intercom-session-*", "intercom-device-id-*"),
    signatures=("widget.intercom.io/widget", "intercomSettings"),
    csp={
        "script-src": ("https://widget.intercom.io", "https://js.intercomcdn.com"),
        "connect-src": (
            "https://*.intercom.io",
            "wss://*.intercom.io",
            "https://*.intercomcdn.com",
        ),
        "img-src": ("https://*.intercomcdn.com", "https://*.intercomassets.com"),
        "frame-src": ("https://intercom-sheets.com",),
    },
    purpose="Live chat and in-app messages from the site's team.",
    privacy_url="https://www.intercom.com/legal/privacy",
    controller="Intercom R&D Unlimited Company",
)

_DRIFT = Vendor(
    name="drift",
    label="Drift chat",
    category="preferences",
    urls=("driftt.com", "drift.com", "driftcdn.com"),
    cookies=(
        "driftt_aid",
        "drift_aid",
        "driftt_sid",
        "drift_campaign_refresh",
        "DFTT_END_USER_PREV_BOOTSTRAPPED",
    ),
    signatures=("js.driftt.com/include", "drift.SNIPPET_VERSION", "window.driftt"),
    csp={
        "script-src": ("https://js.driftt.com",),
        "frame-src": ("https://js.driftt.com",),
        "connect-src": ("https://*.drift.com", "wss://*.drift.com"),
    },
    purpose="Live chat and chatbots for sales conversations.",
    privacy_url="https://www.salesloft.com/legal/privacy-notice",
    controller="Drift.com, Inc. (Salesloft)",
)

_ZENDESK = Vendor(
    name="zendesk",
    label="Zendesk Web Widget and chat",
    category="preferences",
    urls=("zdassets.com", "zopim.com", "zendesk.com/embeddable"),
    cookies=("__zlcmid", "__zlcprivacy", "__zlcstore"),
    signatures=("static.zdassets.com/ekr/snippet.js", "ze-snippet", "v2.zopim.com"),
    csp={
        "script-src": ("https://static.zdassets.com",),
        "connect-src": ("https://*.zendesk.com", "https://*.zdassets.com", "wss://*.zopim.com"),
        "img-src": ("https://*.zdassets.com",),
    },
    purpose="Help-centre widget and live chat with the site's support team.",
    privacy_url="https://www.zendesk.com/company/agreements-and-terms/privacy-notice/",
    controller="Zendesk, Inc.",
)

_TAWK = Vendor(
    name="tawk-to",
    label="Tawk.to chat",
    category="preferences",
    urls=("tawk.to",),
    cookies=("TawkConnectionTime", "twk_uuid_*", "twk_idm_key", "__tawkuuid"),
    signatures=("embed.tawk.to", "Tawk_API"),
    csp={
        "script-src": ("https://embed.tawk.to",),
        "connect-src": ("https://*.tawk.to", "wss://*.tawk.to"),
        "frame-src": ("https://*.tawk.to",),
    },
    purpose="Live chat with the site's support team.",
    privacy_url="https://www.tawk.to/privacy-policy/",
    controller="tawk.to inc.",
)

_LIVECHAT = Vendor(
    name="livechat",
    label="LiveChat",
    category="preferences",
    urls=("livechatinc.com", "lc.chat"),
    cookies=("__lc_cid", "__lc_cst", "__lc2_cid", "__lc2_cst", "lc_sso*"),
    signatures=("cdn.livechatinc.com/tracking.js", "window.__lc", "LiveChatWidget"),
    csp={
        "script-src": ("https://cdn.livechatinc.com",),
        "connect-src": ("https://*.livechatinc.com", "wss://*.livechatinc.com"),
        "frame-src": ("https://secure.livechatinc.com",),
    },
    purpose="Live chat with the site's support team.",
    privacy_url="https://www.text.com/legal/privacy-policy/",
    controller="Text S.A. (LiveChat)",
)

_OLARK = Vendor(
    name="olark",
    label="Olark chat",
    category="preferences",
    urls=("olark.com",),
    cookies=("_okbk", "_ok", "_okdetect", "olfsk", "wcsid", "hblid", "_oklv", "_okla", "_okgid"),
    signatures=("static.olark.com/jsclient/loader.js", "olark.identify("),
    csp={
        "script-src": ("https://static.olark.com",),
        "connect-src": ("https://*.olark.com",),
        "img-src": ("https://*.olark.com",),
    },
    purpose="Live chat with the site's support team.",
    privacy_url="https://www.olark.com/privacy-policy",
    controller="Habla, Inc. (Olark)",
)

# -- Embedded media and widgets --------------------------------------------------

_VIMEO = Vendor(
    name="vimeo",
    label="Vimeo embedded videos",
    category="marketing",
    urls=("player.vimeo.com", "vimeo.com", "vimeocdn.com"),
    cookies=("vuid",),
    signatures=("player.vimeo.com/api/player.js",),
    csp={
        "frame-src": ("https://player.vimeo.com",),
        "script-src": ("https://player.vimeo.com",),
        "img-src": ("https://i.vimeocdn.com",),
    },
    purpose="Embedded videos; Vimeo measures viewing.",
    privacy_url="https://vimeo.com/privacy",
    controller="Vimeo.com, Inc.",
)

_WISTIA = Vendor(
    name="wistia",
    label="Wistia embedded videos",
    category="marketing",
    urls=("wistia.com", "wistia.net", "wistia.io"),
    signatures=("fast.wistia.com/", "fast.wistia.net/"),
    csp={
        "script-src": ("https://fast.wistia.com",),
        "frame-src": ("https://fast.wistia.net",),
        "img-src": ("https://fast.wistia.com", "https://embed-ssl.wistia.com"),
        "connect-src": ("https://*.wistia.com", "https://*.wistia.net"),
    },
    purpose="Embedded videos; Wistia measures who watches what.",
    privacy_url="https://wistia.com/privacy",
    controller="Wistia, Inc.",
)

_VIDYARD = Vendor(
    name="vidyard",
    label="Vidyard embedded videos",
    category="marketing",
    urls=("vidyard.com", "vidyard.net"),
    signatures=("play.vidyard.com/embed",),
    csp={
        "script-src": ("https://play.vidyard.com",),
        "frame-src": ("https://play.vidyard.com",),
        "img-src": ("https://play.vidyard.com",),
    },
    purpose="Embedded videos; Vidyard measures who watches what.",
    privacy_url="https://www.vidyard.com/privacy/",
    controller="Buildscale, Inc. (Vidyard)",
)

_SPOTIFY = Vendor(
    name="spotify",
    label="Spotify embedded player",
    category="marketing",
    urls=("open.spotify.com/embed", "embed.spotify.com", "open.spotify.com/embed-podcast"),
    signatures=("open.spotify.com/embed",),
    csp={"frame-src": ("https://open.spotify.com",)},
    purpose="Embedded music and podcasts; Spotify sets its own cookies.",
    privacy_url="https://www.spotify.com/legal/privacy-policy/",
    controller="Spotify AB",
)

_SOUNDCLOUD = Vendor(
    name="soundcloud",
    label="SoundCloud embedded player",
    category="marketing",
    urls=("w.soundcloud.com", "sndcdn.com"),
    signatures=("w.soundcloud.com/player",),
    csp={"frame-src": ("https://w.soundcloud.com",), "img-src": ("https://*.sndcdn.com",)},
    purpose="Embedded audio; SoundCloud sets its own cookies.",
    privacy_url="https://soundcloud.com/pages/privacy",
    controller="SoundCloud Global Limited & Co. KG",
)

_DISQUS = Vendor(
    name="disqus",
    label="Disqus comments",
    category="marketing",
    urls=("disqus.com", "disquscdn.com"),
    signatures=(".disqus.com/embed.js", "disqus_config", ".disqus.com/count.js"),
    csp={
        "script-src": ("https://*.disqus.com", "https://*.disquscdn.com"),
        "frame-src": ("https://disqus.com",),
        "img-src": ("https://*.disquscdn.com", "https://referrer.disqus.com"),
    },
    purpose="Comments; Disqus profiles readers for advertising.",
    privacy_url="https://help.disqus.com/en/articles/1717103-disqus-privacy-policy",
    controller="Disqus, Inc.",
)

_TYPEFORM = Vendor(
    name="typeform",
    label="Typeform embedded forms",
    category="preferences",
    urls=("typeform.com",),
    signatures=("embed.typeform.com/next/embed.js",),
    csp={
        "script-src": ("https://embed.typeform.com",),
        "frame-src": ("https://form.typeform.com",),
        "style-src": ("https://embed.typeform.com",),
    },
    purpose="Embedded forms and surveys; answers go to Typeform.",
    privacy_url="https://www.typeform.com/privacy-policy/",
    controller="TYPEFORM S.L.",
)

_CALENDLY = Vendor(
    name="calendly",
    label="Calendly scheduling",
    category="preferences",
    urls=("calendly.com",),
    signatures=("assets.calendly.com/assets/external/widget.js", "Calendly.initPopupWidget("),
    csp={
        "script-src": ("https://assets.calendly.com",),
        "frame-src": ("https://calendly.com",),
        "style-src": ("https://assets.calendly.com",),
    },
    purpose="Embedded appointment booking; bookings go to Calendly.",
    privacy_url="https://calendly.com/privacy",
    controller="Calendly LLC",
)

_ADOBE_FONTS = Vendor(
    name="adobe-fonts",
    label="Adobe Fonts (Typekit)",
    category="preferences",
    urls=("typekit.net", "use.typekit.com"),
    signatures=("use.typekit.net/", "Typekit.load("),
    csp={
        "style-src": ("https://use.typekit.net", "https://p.typekit.net"),
        "font-src": ("https://use.typekit.net",),
    },
    purpose="Web fonts served by Adobe; Adobe counts page views for font licensing.",
    privacy_url="https://www.adobe.com/privacy/policies/adobe-fonts.html",
    controller="Adobe Systems Software Ireland Limited",
)

# -- Payments --------------------------------------------------------------------

_STRIPE = Vendor(
    name="stripe",
    label="Stripe.js",
    category="necessary",
    urls=("js.stripe.com", "stripe.network", "m.stripe.com", "checkout.stripe.com"),
    cookies=("__stripe_mid", "__stripe_sid"),
    signatures=("js.stripe.com/v3",),
    csp={
        "script-src": ("https://js.stripe.com",),
        "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
        "connect-src": ("https://api.stripe.com", "https://m.stripe.network"),
    },
    purpose="Payments and payment fraud prevention.",
    privacy_url="https://stripe.com/privacy",
    controller="Stripe Payments Europe, Limited",
)

#: The registry privmw starts from. Apps add their own vendors to it.
DEFAULT_VENDORS: tuple[Vendor, ...] = (
    _GOOGLE_ANALYTICS,
    _GOOGLE_TAG_MANAGER,
    _GOOGLE_ADS,
    _GOOGLE_FONTS,
    _GOOGLE_MAPS,
    _RECAPTCHA,
    _YOUTUBE,
    _META_PIXEL,
    _FACEBOOK_SOCIAL,
    _INSTAGRAM,
    _LINKEDIN,
    _TIKTOK,
    _X_PIXEL,
    _X_EMBEDS,
    _PINTEREST,
    _SNAP,
    _REDDIT,
    _BING_UET,
    _CRITEO,
    _TABOOLA,
    _OUTBRAIN,
    _AMAZON_ADS,
    _QUANTCAST,
    _HUBSPOT,
    _ADDTHIS,
    _SHARETHIS,
    _HOTJAR,
    _CLARITY,
    _CRAZY_EGG,
    _MOUSEFLOW,
    _FULLSTORY,
    _LUCKY_ORANGE,
    _SMARTLOOK,
    _MATOMO,
    _PLAUSIBLE,
    _FATHOM,
    _MIXPANEL,
    _AMPLITUDE,
    _SEGMENT,
    _HEAP,
    _POSTHOG,
    _ADOBE_LAUNCH,
    _ADOBE_ANALYTICS,
    _YANDEX_METRICA,
    _BAIDU_TONGJI,
    _CLOUDFLARE_WA,
    _NEW_RELIC,
    _SENTRY,
    _CRISP,
    _INTERCOM,
    _DRIFT,
    _ZENDESK,
    _TAWK,
    _LIVECHAT,
    _OLARK,
    _VIMEO,
    _WISTIA,
    _VIDYARD,
    _SPOTIFY,
    _SOUNDCLOUD,
    _DISQUS,
    _TYPEFORM,
    _CALENDLY,
    _ADOBE_FONTS,
    _STRIPE,
)


#: gtag.js serves every Google product from one URL; its ``id`` query
#: parameter says which one a tag is (an ``AW-`` tag is Google Ads, marketing,
#: though the URL is GA4's). URL pattern -> (lower-case id prefix, vendor name).
#: Reference: Google tag (gtag.js) documentation, "tag IDs" (G-, AW-, DC-, GTM-).
ID_ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "googletagmanager.com/gtag/js": (
        ("aw-", "google-ads"),
        ("dc-", "google-ads"),
        ("g-", "google-analytics"),
        ("ua-", "google-analytics"),
        ("gtm-", "google-tag-manager"),
    ),
}

#: One host serving two products, told apart by a piece of the (lower-cased)
#: path: Facebook's JavaScript SDK (``/<locale>/sdk.js``) and its pixel
#: (``/<locale>/fbevents.js``, ``/signals/...``) both load from
#: connect.facebook.net. URL pattern -> (path substring, vendor name).
PATH_ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "connect.facebook.net": (("/sdk.js", "facebook-social"), ("/sdk/", "facebook-social")),
}
