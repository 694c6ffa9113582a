"""privmw's vendor data before issue 11 (10 vendors, main at ef9a6f3), for side-by-side benchmarks.

A verbatim copy of the old privmw._vendors data; nothing in privmw imports it.

Facts from each vendor's own documentation and official embed snippet (GA4/gtag,
GTM, Google Ads/DoubleClick/AdSense, Meta Pixel, Hotjar, Microsoft Clarity and
UET, Crisp, YouTube, Vimeo). Only data lives here; :mod:`privmw.trackers` holds
the :class:`~privmw.Vendor` type and the registry that indexes these entries.
"""

from __future__ import annotations

from privmw.trackers import Vendor

__all__ = ["DEFAULT_VENDORS"]

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
    cookies=("_ga", "_ga_*", "_gid", "_gat", "_gat_*", "_dc_gtm_*", "_gac_*", "AMP_TOKEN"),
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
        "IDE",
        "test_cookie",
        "DSID",
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
)

_META_PIXEL = Vendor(
    name="meta-pixel",
    label="Meta Pixel (Facebook)",
    category="marketing",
    urls=("connect.facebook.net", "facebook.com/tr", "facebook.com/plugins"),
    cookies=("_fbp", "_fbc", "fr"),
    signatures=("fbq(", "connect.facebook.net", "_fbq"),
    csp={
        "script-src": ("https://connect.facebook.net",),
        "img-src": ("https://www.facebook.com",),
        "connect-src": ("https://www.facebook.com", "https://connect.facebook.net"),
        "frame-src": ("https://www.facebook.com",),
    },
    purpose="Advertising: conversion tracking and audiences on Facebook and Instagram.",
)

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
)

_CLARITY = Vendor(
    name="microsoft-clarity",
    label="Microsoft Clarity",
    category="analytics",
    urls=("clarity.ms",),
    cookies=("_clck", "_clsk", "CLID", "MUID", "ANONCHK", "MR", "SM"),
    signatures=("clarity.ms/tag", '"clarity"', "'clarity'"),
    csp={
        "script-src": ("https://*.clarity.ms",),
        "img-src": ("https://*.clarity.ms", "https://c.bing.com"),
        "connect-src": ("https://*.clarity.ms", "https://c.bing.com"),
    },
    purpose="Behaviour analytics: heatmaps and session recordings.",
)

_BING_UET = Vendor(
    name="microsoft-uet",
    label="Microsoft Advertising UET (Bing Ads)",
    category="marketing",
    urls=("bat.bing.com", "bat.bing.net"),
    cookies=("_uetsid", "_uetvid", "_uetmsclkid", "_uet*"),
    signatures=("bat.bing.com/bat.js", "uetq"),
    csp={
        "script-src": ("https://bat.bing.com",),
        "img-src": ("https://bat.bing.com", "https://bat.bing.net"),
        "connect-src": ("https://bat.bing.com", "https://bat.bing.net"),
    },
    purpose="Advertising: conversion tracking and remarketing on Microsoft Advertising.",
)

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
)

_YOUTUBE = Vendor(
    name="youtube",
    label="YouTube embedded videos",
    category="marketing",
    urls=("youtube.com", "youtube-nocookie.com", "youtu.be", "ytimg.com"),
    cookies=("YSC", "VISITOR_INFO1_LIVE", "VISITOR_PRIVACY_METADATA", "PREF"),
    signatures=("youtube.com/iframe_api", "YT.Player"),
    csp={
        "frame-src": ("https://www.youtube.com", "https://www.youtube-nocookie.com"),
        "script-src": ("https://www.youtube.com",),
        "img-src": ("https://i.ytimg.com", "https://s.ytimg.com"),
    },
    purpose="Embedded videos; YouTube sets its own cookies and profiles viewers.",
)

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
)

#: The registry privmw starts from. Apps add their own vendors to it.
DEFAULT_VENDORS: tuple[Vendor, ...] = (
    _GOOGLE_ANALYTICS,
    _GOOGLE_TAG_MANAGER,
    _GOOGLE_ADS,
    _META_PIXEL,
    _HOTJAR,
    _CLARITY,
    _BING_UET,
    _CRISP,
    _YOUTUBE,
    _VIMEO,
)
