"""Tricky ``Set-Cookie`` values, with what Chromium 156 does with each.

``N`` stands for the cookie name. ``outcome`` is what real Chromium did
(``tests/browser/test_set_cookie_oracle.py`` re-checks it): ``deleted`` (the
existing cookie is gone, nothing stored), ``stored`` (a live cookie), or
``rejected`` (the line is refused whole; the existing cookie stays). privmw
calls a value a deletion only where Chromium deletes it, and errs the other way
only on the rows in :data:`CONSERVATIVE` (privmw keeps gating them: harmless,
since privmw expires a denied tracker cookie the request carries anyway).
"""

from __future__ import annotations

EPOCH = b"Thu, 01 Jan 1970 00:00:00 GMT"
FUTURE = b"Wed, 01 Jan 2100 00:00:00 GMT"

# (value, Chromium's outcome)
CASES: list[tuple[bytes, str]] = [
    (b"N=x; Max-Age=0", "deleted"),
    (b"N=x; max-age = 0", "deleted"),
    (b"N=x;Max-Age=0", "deleted"),
    (b"N=x; Max-Age=-1", "deleted"),
    (b"N=x; Max-Age=-0", "deleted"),
    (b"N=x; Max-Age=\t-5", "deleted"),
    (b"N=x; Max-Age=-99999999999999999999", "deleted"),
    (b"N=x; Expires=" + EPOCH, "deleted"),
    (b"N=x; EXPIRES=" + EPOCH, "deleted"),
    (b'N=x; Expires="' + EPOCH + b'"', "deleted"),
    (b"N=x; Expires=Thu, 01-Jan-1970 00:00:01 GMT", "deleted"),
    (b"N=x; Expires=Thu, 01 Jan 70 00:00:00 GMT", "deleted"),
    (b"N=x; Expires=Thu, 1 Jan 1970 0:0:0 GMT", "deleted"),
    (b"N=x; Expires=00:00:00 1 jan 1970", "deleted"),
    (b"N=x; Expires=Thu, 01 January 1970 00:00:00 GMT", "deleted"),
    (b"N=x; Expires=Mon, 01 Jan 1601 00:00:00 GMT", "deleted"),
    (b"N=x; Expires=Thu, 29 Feb 1972 00:00:00 GMT", "deleted"),
    # the tricks: none of these is a deletion
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=63072000", "stored"),  # Max-Age wins
    (b"N=x; Max-Age=0; Max-Age=63072000", "stored"),  # the last wins
    (b"N=x; Max-Age=63072000; Max-Age=0", "deleted"),
    (b"N=x; Max-Age=-x; Expires=" + FUTURE, "stored"),  # a bad Max-Age is ignored
    (b"N=x; Expires=" + FUTURE + b" 1970", "stored"),  # "1970" somewhere in Expires
    (b"N=x; Expires=1970 Wed, 01 Jan 2100 00:00:00 GMT", "deleted"),  # ...first: the year
    (b"N=x; Expires=" + EPOCH + b"; Expires=" + FUTURE, "stored"),  # two Expires
    (b"N=x; Expires=" + FUTURE + b"; Expires=" + EPOCH, "deleted"),
    (b"N=x; Max-Age=" + b"9" * 5000, "stored"),  # over 1024 bytes: ignored, session
    (b"N=x; Max-Age=-" + b"9" * 5000, "stored"),
    (b"N=x; Max-Age=99999999999999999999", "stored"),  # saturated: 400 days
    (b"N=x; Max-Age=0; Max-Age=abc", "stored"),  # Chromium: the last, invalid, so session
    (b"N=x; Expires=" + EPOCH + b"; Expires=", "stored"),  # last Expires empty: session
    (b"N=x; Expires=" + EPOCH + b"; expires=junk", "stored"),
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=+1", "stored"),  # +1 is 1 s for Chromium
    (b"N=x; Expires=Thu, 01 Jan 69 00:00:00 GMT", "stored"),  # 2069
    (b"N=x; Expires=Thu, 31 Feb 1999 00:00:00 GMT", "stored"),  # no such date: session
    (b"N=x; Expires=Thu, 32 Jan 1970 00:00:00 GMT", "stored"),
    (b"N=x; Expires=Thu, 01 Jan 1970 24:00:00 GMT", "stored"),
    (b"N=x; Expires=Thu, 01 Jan 1970 00:00:60 GMT", "stored"),
    (b"N=x; Expires=Thu, 01 Jan 1970 00:00:00:00 GMT", "stored"),
    (b"N=x; Expires=Thu, 01 Jan 1970 00:00:00GMT", "stored"),
    (b"N=x; Expires=1970", "stored"),
    (b"N=x; Expires=Thu, 29 Feb 2100 00:00:00 GMT", "stored"),
    (b"N=x; Max-Age=1e3", "stored"),
    (b"N=x; Max-Age=0x10", "stored"),
    (b"N=x; Max-Age", "stored"),
    (b"N=x; Expires=Jan 12345 1 00:00:00", "stored"),
    # invalid Max-Age, valid past Expires: both readings fall back to Expires
    (b"N=x; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=abc", "deleted"),
    (b"N=x; Max-Age=5abc; Expires=" + EPOCH, "deleted"),
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=", "deleted"),
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=-", "deleted"),
    (b"N=x; Max-Age; Expires=" + EPOCH, "deleted"),
    (b"N=x" + b"; a=b" * 2000 + b"; Max-Age=0", "deleted"),  # no attribute count limit
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=1\x0b", "rejected"),  # a control character
    # Chromium deletes these; privmw does not call them deletions (CONSERVATIVE)
    (b"N=x; Max-Age=+0", "deleted"),
    (b"N=x; Expires=Mon, 01 Jan 1600 00:00:00 GMT", "deleted"),
    (b"N=x; Expires=" + EPOCH + b"; Max-Age=" + b"1" * 1100, "deleted"),
    (b"N=x; Expires=Jan 1 0 00:00:00", "deleted"),
]

#: Rows Chromium deletes that privmw does not count as deletions (they stay gated).
CONSERVATIVE = frozenset(CASES[i][0] for i in range(len(CASES) - 4, len(CASES)))


def privmw_deletes(value: bytes, outcome: str) -> bool:
    """What privmw's :func:`~privmw.cookies.is_deletion` must answer for a row."""
    return outcome == "deleted" and value not in CONSERVATIVE
