"""Redaction of secrets and personal data in logged paths and query values.

Two layers, applied on the writer thread (never on the request path):

1. **Named path parameters** (:class:`PathTemplates`): the app names the
   parameters that hold secrets with Starlette-style templates,
   ``AccessLog(redact_paths=["/reset/{uidb64}/{token}/"])``; a matching path is
   logged as ``/reset/[uidb64]/[token]/``. Exact, and the only way to redact
   short values (a 2-character ``uidb64`` cannot be told from a word).
2. **By shape and by statistics** (:func:`redact`): e-mail addresses become
   ``[email]``, IPv4/IPv6 addresses ``[ip]``, JWTs and UUIDs ``[token]``; then
   every run of token characters (``A-Z a-z 0-9 - _ + =``) of 16 or more
   characters is judged by what a secret looks like statistically, not by a
   list of vendor prefixes (:func:`is_secret`):

   * digits only (``-`` allowed): a payment card number (13-19 digits in a
     card range, Luhn check) is a secret; other numbers are ids and stay;
   * many *switches* inside the parts between separators (a capital after a
     small letter, a digit next to a letter) are random: 0.3 per character
     or more (random base64 ~0.4, camelCase words ~0.2, slugs ~0);
   * otherwise the run is cut at ``- _ + =`` into parts, and each part is put
     to a word test: numbers up to 8 digits, letters in a natural case
     (``word``, ``Word``, ``WORD``, ``iPhone``, ``getElementById``) whose
     humps are pronounceable (at least 60 % of their letter pairs among the
     250 commonest, no cluster of more than 6 consonants), and mixes of at
     most three letter and digit groups whose letters read as a word
     (``v2``, ``win64``, ``sha256sum``, ``PlayStation3``). The parts that
     fail (at least 6 characters of them) plus the short parts that pass
     (up to 5 characters: no evidence either way), 12 characters or more,
     are a secret when they are hexadecimal with a digit (hashes,
     ``token_hex``, Django's reset tokens), mix two of lower case, upper
     case and digits, or are 16+ letters of one case that failed the test.

   A secret run becomes ``[token]`` as a whole (``sk_live_…``, ``ghp_…``,
   ``xoxb-…`` prefixes included). Hexadecimal content hashes of build assets
   (``main-3d95fe5764bf3726.js``, ``app.8c7f3e4b.css``) are kept: a run whose
   last part is 8-32 hex characters followed by ``.js``, ``.mjs``, ``.css``,
   ``.map`` or ``.woff(2)``.

   Standard base64 (RFC 4648 §4) has ``+`` and ``/``, and the server
   decodes ``%2F`` in the path, so such a token reaches the log cut by ``/``
   into runs too short to judge. Runs of token characters and ``/`` are
   therefore read segment by segment too: numbers, plain words of 6+
   characters (``verify``, ``awesome-fasthtml``) and runs judged above split
   them into groups; a group that holds a ``[token]``, or whose pieces that
   are not plain words have 0.15 switches per character or more and that
   :func:`is_secret` judges a secret with ``/`` read as a separator, becomes
   ``[token]`` from its first to its last such piece (``/api/v1/keys/[token]``).

   Ordinary words, slugs, dates and versions stay; random *public*
   identifiers (YouTube channel ids, gist ids, commit hashes) look like
   secrets and are redacted too.

Measured on ``tests/data/url_paths.txt`` (real paths) and on generated secrets
(``tests/accesslog/test_redact.py``; figures in ``docs/accesslog.md``).

Linear time: every regular expression here is a single character class or an
alternation whose alternatives start with a look-behind or a literal, with no
nested unbounded quantifiers, so each is one left-to-right scan; the
statistical judgement reads each run once. The caller also cuts what it
passes in (:data:`INPUT_MAX`), so the work per record is bounded whatever a
client sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from privmw.clientip import parse_ip
from privmw.logfilter import _IPV4, _IPV6

__all__: list[str] = []

#: Fewest characters (separators included) in a run judged a secret.
MIN_SECRET = 16
#: Fewest characters of non-word content (failed parts and short parts) in a secret run.
MIN_RESIDUE = 12
#: Fewest characters that failed the word test in a secret run.
MIN_ODD = 6
#: Switches (see ``_switches``) per character from which a run is random:
#: random base64 has ~0.4, camelCase words ~0.2, slugs ~0.
MIN_SWITCH_SHARE = 0.3
#: Share of a word's letter pairs that are common ones (see ``_COMMON_PAIRS``).
MIN_COMMON_PAIRS = 0.6
#: Longest run of consonants in a pronounceable word ("latchstring" has 6).
MAX_CONSONANTS = 6
#: Switches per character of the pieces of a run cut by "/" (see ``_slashed_group``)
#: from which they may be a token: names and words joined across "/" have few.
MIN_SLASHED_SWITCH_SHARE = 0.15
#: Longest text redacted: callers cut longer paths first (see formats.py).
INPUT_MAX = 4096

# --- layer 2a: shapes ---------------------------------------------------------------

# Every alternative that matches a run starts with a look-behind, so each run is
# tried once (linear time on hostile paths).
_SHAPES = re.compile(
    r"(?P<email>(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)?)"
    r"|(?P<uuid>(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z]))"
    rf"|(?P<ip4>{_IPV4})"
    rf"|(?P<ip6>{_IPV6})"
)
_DOTTED = re.compile(r"\d\.\d{1,3}\.\d").search


def _shape(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "email":
        return "[email]"
    if kind == "jwt" or kind == "uuid":
        return "[token]"
    text = match.group(0)
    return "[ip]" if parse_ip(text) is not None else text


# --- layer 2b: statistics ------------------------------------------------------------

# Whole runs of MIN_SECRET+ token characters (the look-behind keeps a match from
# starting inside a shorter run), so short runs never reach Python code.
_RUN = re.compile(rf"(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+=-]{{{MIN_SECRET},}}")
has_long_run = _RUN.search
_SWITCH = re.compile(r"[a-z](?=[A-Z])|[0-9](?=[A-Za-z])|[A-Za-z](?=[0-9])").findall
_SWITCH_AT = re.compile(r"[a-z][A-Z]|[0-9][A-Za-z]|[A-Za-z][0-9]").search
_CONSONANT_RUNS = re.compile(r"[^aeiouy]+").findall
_SEPARATORS = re.compile(r"[-_+=]+")
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+").fullmatch
# Letters in a natural case: "word", "WORD", "Word", "iPhone", "getElementById",
# "HTTPServer" (humps of capitals only before another capital or the end).
_NATURAL_CASE = re.compile(
    r"(?:[a-z]+|[A-Z]+(?![a-z])|[A-Z][a-z]+)(?:[A-Z][a-z]+|[A-Z]+(?![a-z]))*"
).fullmatch
_HUMPS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+").findall
_GROUPS = re.compile(r"[A-Za-z]+|[0-9]+").findall
_ASSET_HASH = re.compile(r"[0-9a-f]{8,32}\.(?:js|mjs|css|map|woff2?)\b").match


def _longest_cluster(word: str) -> int:
    """The longest run of consonants in ``word`` (lower case)."""
    return max(map(len, _CONSONANT_RUNS(word)), default=0)


# The 250 most frequent letter pairs in the words of CPython 3.11's standard-library
# docstrings (88,288 words of 3+ letters; these pairs are 97.6 % of all pairs
# there). A word of English (or German, French, Spanish: they share most of
# them) is made mostly of these pairs; random letters only by chance,
# 250 / 676 = 37 % of the time.
_COMMON_PAIRS = frozenset(
    """
    ab ac ad ag ai ak al am an ap ar as at au av ay ba bc be bi bj bl bo br bs
    bu by ca cc ce ch ci ck cl co cr ct cu da dd de di dl do dr ds du ea ec ed
    ee ef eg ei el em en ep eq er es et ev ew ex ey fa fe ff fi fl fo fr ft fu
    ge gh gi gl gn gr gs gu ha he hi ho hr ia ib ic id ie if ig ik il im in io
    ip ir is it iv iz je ke ks la ld le lf li ll lo ls lt lu ly ma mb me mi mm
    mo mp ms mu na nc nd ne nf ng ni nk nl nn no np ns nt nu nv ny ob oc od oe
    og oi ol om on oo op or os ot ou ov ow pa pe pi pl po pp pr pt pu py qu ra
    rc rd re rg ri rk rm rn ro rr rs rt ru rv rw ry sa sc se sh si so sp ss st
    su sy ta tc te th ti tl to tp tr ts tt tu tw ty ua ub uc ue ug ui ul um un
    up ur us ut va ve vi wa we wh wi wo wr xa xc xe xi xp xt yi yo yp ys yt ze
    """.split()  # noqa: SIM905 - a table reads better than 250 quoted pairs
)


def _pronounceable(hump: str) -> bool:
    """A hump of letters reads like a word: mostly common letter pairs, no long cluster."""
    if len(hump) <= 3 or (len(hump) <= 5 and hump.isupper()):
        return True  # "id", "api", "pdf"; acronyms "HTML", "JSON": too short to judge
    word = hump.lower()
    common = sum(1 for i in range(len(word) - 1) if word[i : i + 2] in _COMMON_PAIRS)
    return _longest_cluster(word) <= MAX_CONSONANTS and common >= MIN_COMMON_PAIRS * (len(word) - 1)


def _letters_wordlike(letters: str) -> bool:
    """Letters in a natural case whose humps read like words (``iPhone``, ``getElementById``)."""
    if _NATURAL_CASE(letters) is None or (letters.isupper() and len(letters) > 12):
        return False  # (acronyms are short; 13+ capitals in a row are an encoding)
    humps = _HUMPS(letters)
    # Random mixed case parses as camelCase too, but of many short humps, and
    # with one-letter humps inside ("VhfIHeivzi"); "iPhone", "eBay" have one first.
    if len(humps) > 1 + len(letters) / 4 or any(len(h) == 1 for h in humps[1:-1]):
        return False
    return all(_pronounceable(h) for h in humps)


def _wordlike(part: str) -> bool:
    """Whether one part of a run (between ``- _ + =``) reads like a word, a number or a version.

    Numbers up to 8 digits; letters in a natural case whose humps are
    pronounceable; and mixes of at most three letter and digit groups whose
    letters, taken together, read like a word: ``v2``, ``mp3``, ``win64``,
    ``sha256sum``, ``PlayStation3``, ``1080p``.
    """
    if part.isdigit():
        return len(part) <= 8
    if part.isalpha():
        return _letters_wordlike(part)
    groups = _GROUPS(part)
    if len(groups) > 3 or any(g.isdigit() and len(g) > 8 for g in groups):
        return False
    return _letters_wordlike("".join(g for g in groups if not g.isdigit()))


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_number(digits: str) -> bool:
    """13-19 digits in a payment card range that pass the Luhn check (ISO/IEC 7812-1).

    Major industry identifiers 3-6 (Amex, JCB, Diners, Visa, Mastercard,
    Discover, UnionPay) and Mastercard's 2221-2720: other long numbers are ids
    (a 16-digit post id, a 14-digit archive timestamp) and stay.
    """
    if not 13 <= len(digits) <= 19:
        return False
    if not ("3" <= digits[0] <= "6" or "2221" <= digits[:4] <= "2720"):
        return False
    return _luhn(digits)


def looks_random(odd: str, weak: str = "") -> bool:
    """Whether a run's non-word content looks like a secret.

    ``odd`` is what failed the word test, ``weak`` short parts that passed it
    (no evidence either way). Both without separators.
    """
    residue = odd + weak
    if len(odd) < MIN_ODD or len(residue) < MIN_RESIDUE:
        return False
    if odd.isdigit() and not weak:
        return _card_number(odd)
    if _HEX(residue) is not None:
        return not residue.isalpha()  # hashes, token_hex, Django's reset tokens
    lower = upper = digit = 0
    for c in odd:
        if c.isdigit():
            digit += 1
        elif c.isupper():
            upper += 1
        else:
            lower += 1
    # Two classes or more in what failed the word test, or 16+ letters of one
    # case that did not read as words.
    return (lower > 0) + (upper > 0) + (digit > 0) >= 2 or len(odd) >= MIN_SECRET


def _switches(run: str) -> int:
    """Case and letter/digit switches inside parts: a capital after a small letter
    (``yK``), and a digit next to a letter (``U3``, ``3J``); separators break runs."""
    return len(_SWITCH(run))


def is_secret(run: str) -> bool:
    """Whether a run of token characters (``A-Z a-z 0-9 - _ + =``) is a secret."""
    parts = [p for p in _SEPARATORS.split(run) if p]
    content = "".join(parts)
    if content.isdigit():  # "4111111111111111", "4111-1111-1111-1111"
        return _card_number(content)
    if len(run) < MIN_SECRET:  # separators count: token_urlsafe(12) is 16 characters
        return False
    if _switches(run) >= MIN_SWITCH_SHARE * len(content):
        return True
    # Parts that fail the word test make the residue; short parts that pass it
    # ("pT", "vz7k": random base64 cut at "-" or "_" gives many) join them, as
    # they are no evidence of words. Words of 6+ characters and numbers stay out.
    odd = [p for p in parts if not _wordlike(p)]
    if not odd:
        return False
    weak = [p for p in parts if len(p) <= 5 and not p.isdigit() and p not in odd]
    return looks_random("".join(odd), "".join(weak))


def _judge(match: re.Match[str]) -> str:
    run = match.group(0)
    if not is_secret(run):
        return run
    # A build asset's content hash: "main-3d95fe5764bf3726" followed by ".js".
    last = _SEPARATORS.split(run)[-1]
    if last and _ASSET_HASH(match.string, match.end() - len(last)) is not None:
        return "[token]" if is_secret(run[: len(run) - len(last)]) else run
    return "[token]"


# --- layer 2c: runs cut by "/" ---------------------------------------------------------

# A server decodes %2F in the path, so a standard-base64 token (RFC 4648 §4, whose
# alphabet has "+" and "/") reaches the log cut by "/" into pieces shorter than
# MIN_SECRET, which the runs above never see whole. Runs of token characters and "/"
# (with the "[token]"s the pass above left) are read segment by segment. One
# alternative is a character class, the other a literal starting with "[" (never
# in the class): one left-to-right scan.
_SLASHED = re.compile(r"(?:[A-Za-z0-9_+=/-]|\[token\])+")
# How path words are written: lower case ("keys", "v1"), capitalised ("Gymnasium"),
# short capitals ("MQ", "B2B", "API"). Random base64 pieces are mostly mixed.
_PLAIN_CASE = re.compile(r"[a-z0-9]+|[A-Z][a-z0-9]*|[A-Z0-9]{1,5}").fullmatch


def _plain(segment: str) -> bool:
    """A segment between "/" written as path words are (each part a word, in a plain case)."""
    parts = [p for p in _SEPARATORS.split(segment) if p]
    return all(_PLAIN_CASE(p) is not None and _wordlike(p) for p in parts)


def _boundary(segment: str) -> bool:
    """A segment no token runs across: a number of 2+ digits, plain words of 6+ characters.

    Shorter words (``api``, ``MQ``, ``UJ``) are as likely pieces of a token.
    """
    if segment.isdigit():
        return len(segment) >= 2
    if len(segment) >= MIN_SECRET and "[token]" not in segment:
        return True  # one run of the pass above, judged there and kept
    return len(segment) >= 6 and _plain(segment)


def _slashed_group(group: list[str]) -> list[str]:
    """One group of segments between boundaries, with its token (if any) as ``[token]``.

    A group that holds a ``[token]`` (the pass above judged a piece of it) or
    that :func:`is_secret` judges a secret, read with "/" as a separator
    (like ``-`` in URL-safe base64), has everything from its first to its
    last segment that is not plain words replaced; the plain words at its
    ends stay (``api/v1/keys/[token]``).
    """
    odd = [i for i, s in enumerate(group) if not _plain(s)]
    if not odd:
        return group
    if not any("[token]" in s for s in group):
        if len(group) < 2:
            return group  # one segment: judged by the pass above, or short
        text = "/".join(group)
        if len(text) < MIN_SECRET:
            return group
        pieces = "".join(group[i] for i in odd)
        if _switches(pieces) < MIN_SLASHED_SWITCH_SHARE * len(pieces):
            return group
        if not is_secret(text.replace("/", "+")):
            return group
    return [*group[: odd[0]], "[token]", *group[odd[-1] + 1 :]]


def _judge_slashed(match: re.Match[str]) -> str:
    run = match.group(0)
    if "/" not in run:
        return run  # judged by the pass above
    if "[token]" not in run and (len(run) < MIN_SECRET or _SWITCH_AT(run) is None):
        return run  # too short, or no group can have switches (slugs, words)
    segments = run.split("/")
    out: list[str] = []
    start = 0
    for i, segment in enumerate(segments):
        if _boundary(segment):
            out.extend(_slashed_group(segments[start:i]))
            out.append(segment)
            start = i + 1
    out.extend(_slashed_group(segments[start:]))
    return "/".join(out)


def redact(text: str) -> str:
    """``text`` with e-mail addresses, IP addresses and secrets replaced.

    E-mail addresses become ``[email]``, IPv4 and IPv6 addresses ``[ip]``,
    JWTs, UUIDs and secret-looking runs (see the module docstring) ``[token]``.
    Ordinary words, slugs (``2024-annual-report``), dates, versions and short
    numbers stay.
    """
    # Cheap screens first: most paths have no '@', no ':', no dotted quad and no
    # run of 16 token characters (JWTs and UUIDs have one), and skip both passes.
    long_run = _RUN.search(text) is not None
    if long_run or "@" in text or ":" in text or ("." in text and _DOTTED(text) is not None):
        text = _SHAPES.sub(_shape, text)
    if long_run:
        text = _RUN.sub(_judge, text)
    if "/" in text:
        text = _SLASHED.sub(_judge_slashed, text)
    return text


# --- layer 1: named path parameters ---------------------------------------------------

# Starlette's parameter syntax (starlette.routing.PARAM_REGEX) and the regexes of
# its built-in convertors (starlette.convertors). Custom convertors are not
# accepted: their patterns are the app's, and could backtrack.
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")
CONVERTORS = {
    "str": "[^/]+",
    "path": ".*",
    "int": "[0-9]+",
    "float": r"[0-9]+(?:\.[0-9]+)?",
    "uuid": "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
}
#: Most templates in ``redact_paths`` (each is tried on every logged path).
MAX_TEMPLATES = 256


def compile_template(template: str) -> re.Pattern[str]:
    """The anchored pattern of one Starlette-style template; ``ValueError`` says what is wrong.

    At most one parameter per path segment and at most one ``path``
    parameter: then no two quantifiers compete for the same characters, and a
    match is one scan of the path.
    """
    if not template.startswith("/"):
        raise ValueError("must start with '/'")
    pattern = "^"
    last = 0
    names: set[str] = set()
    segments: set[int] = set()
    paths = 0
    for match in _PARAM.finditer(template):
        name, convertor = match.group(1), match.group(2) or "str"
        if convertor not in CONVERTORS:
            known = ", ".join(CONVERTORS)
            raise ValueError(f"has an unknown convertor {convertor!r} (known: {known})")
        if name in names:
            raise ValueError(f"names the parameter {name!r} twice")
        segment = template.count("/", 0, match.start())
        if segment in segments:
            raise ValueError("has two parameters in one path segment")
        literal = template[last : match.start()]
        if "{" in literal or "}" in literal:
            raise ValueError(f"has a malformed parameter in {literal!r}")
        paths += convertor == "path"
        if paths > 1:
            raise ValueError("has more than one {name:path} parameter")
        names.add(name)
        segments.add(segment)
        pattern += re.escape(literal) + f"(?P<{name}>{CONVERTORS[convertor]})"
        last = match.end()
    tail = template[last:]
    if "{" in tail or "}" in tail:
        raise ValueError(f"has a malformed parameter in {tail!r}")
    if not names:
        raise ValueError("names no parameter to redact, like /reset/{token}/")
    return re.compile(pattern + re.escape(tail) + r"\Z")


class PathTemplates:
    """Compiled ``redact_paths``: Starlette-style templates whose parameters are redacted.

    ``/reset/{uidb64}/{token}/`` logs ``/reset/MQ/c3b8gq-…/`` as
    ``/reset/[uidb64]/[token]/``. A template matches the whole path, like a
    Starlette route, with the convertors ``str`` (the default: one segment),
    ``int``, ``float``, ``uuid`` and ``path`` (the rest, slashes included);
    the first template that matches wins. Templates are checked by
    :func:`compile_template` (``AccessLog`` turns its ``ValueError`` into a
    :class:`~privmw.ConfigurationError`).
    """

    __slots__ = ("_patterns", "templates")

    def __init__(self, templates: Iterable[str]) -> None:
        self.templates = tuple(templates)
        self._patterns = [compile_template(t) for t in self.templates]

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def apply(self, path: str) -> str:
        """``path`` with the parameters of the first matching template replaced by ``[name]``."""
        for pattern in self._patterns:
            match = pattern.match(path)
            if match is None:
                continue
            out: list[str] = []
            last = 0
            for name, _ in sorted(pattern.groupindex.items(), key=lambda item: item[1]):
                start, end = match.span(name)
                out.append(path[last:start])
                out.append(f"[{name}]")
                last = end
            out.append(path[last:])
            return "".join(out)
        return path
