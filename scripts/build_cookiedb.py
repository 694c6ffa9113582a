"""Rebuild privmw's compact Open Cookie Database from the project's CSV.

Usage::

    python scripts/build_cookiedb.py [--csv PATH] [--out PATH] [--check]

``--csv`` defaults to ``$PRIVMW_OCD_CSV``, else the first
``shared/data/open-cookie-database/open-cookie-database.csv`` found beside
the repository or one of its parents. ``--out`` defaults to the file privmw
ships, ``src/privmw/data/open-cookie-database.tsv``. ``--check`` writes
nothing and exits 1 when the shipped file differs from a rebuild.

The output is deterministic (same CSV in, same bytes out, on any machine):
rows keep the CSV's order, text is whitespace-normalised, and nothing
depends on the clock, the locale or a compressor's version. Its format,
read by ``privmw._cookiedb``::

    #privmw-open-cookie-database<TAB>1<TAB><rows><TAB><sha256 of the CSV>
    P<TAB>platform<TAB>data controller<TAB>privacy portal URL      (index 0, 1, ...)
    C<TAB>name<TAB>wildcard 0|1<TAB>category n|p|a|m<TAB>platform index<TAB>domain
        <TAB>retention<TAB>description                             (one line)

Categories are mapped as privmw's consent categories: Functional, Security
and Necessary -> ``n`` (necessary), Personalization -> ``p`` (preferences),
Analytics -> ``a``, Marketing -> ``m``. A name ending in ``*`` is read as a
wildcard (its fixed prefix is kept). The Open Cookie Database is
Apache-2.0; ``src/privmw/data/`` ships its LICENSE and a NOTICE.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "privmw" / "data" / "open-cookie-database.tsv"
CSV_NAME = "open-cookie-database.csv"
SHARED = Path("shared") / "data" / "open-cookie-database" / CSV_NAME
MAGIC = "#privmw-open-cookie-database"
FORMAT = "1"

CATEGORIES = {
    "Functional": "n",
    "Security": "n",
    "Necessary": "n",
    "Personalization": "p",
    "Analytics": "a",
    "Marketing": "m",
}
COLUMNS = (
    "ID",
    "Platform",
    "Category",
    "Cookie / Data Key name",
    "Domain",
    "Description",
    "Retention period",
    "Data Controller",
    "User Privacy & GDPR Rights Portals",
    "Wildcard match",
)
# Format characters that render as nothing (zero-width space, soft hyphen,
# BOM...): they only hide in names and domains.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")


def find_csv() -> Path | None:
    """The CSV from ``$PRIVMW_OCD_CSV`` or ``shared/data/...`` beside a parent of the repo."""
    env = os.environ.get("PRIVMW_OCD_CSV")
    if env:
        return Path(env)
    for parent in (ROOT, *ROOT.parents):
        candidate = parent / SHARED
        if candidate.is_file():
            return candidate
    return None


def clean(text: str) -> str:
    """One line of text: invisible characters dropped, whitespace runs one space."""
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def build(raw: bytes) -> str:
    """The compact file for the CSV bytes ``raw``."""
    text = raw.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise SystemExit(f"unexpected CSV columns: {reader.fieldnames!r}")
    platforms: dict[tuple[str, str, str], int] = {}
    rows: list[str] = []
    for number, row in enumerate(reader, start=2):
        category = CATEGORIES.get(clean(row["Category"]))
        if category is None:
            raise SystemExit(f"line {number}: unknown category {row['Category']!r}")
        name = clean(row["Cookie / Data Key name"])
        wildcard = clean(row["Wildcard match"]) == "1"
        if name.endswith("*"):
            name, wildcard = name.rstrip("*"), True
        if not name:
            continue
        url = clean(row["User Privacy & GDPR Rights Portals"])
        if not _URL.match(url):
            url = ""  # only http(s) links are ever rendered
        key = (clean(row["Platform"]), clean(row["Data Controller"]), url)
        index = platforms.setdefault(key, len(platforms))
        fields = (
            "C",
            name,
            "1" if wildcard else "0",
            category,
            str(index),
            clean(row["Domain"]),
            clean(row["Retention period"]),
            clean(row["Description"]),
        )
        rows.append("\t".join(fields))
    head = "\t".join((MAGIC, FORMAT, str(len(rows)), hashlib.sha256(raw).hexdigest()))
    table = ["\t".join(("P", *key)) for key in platforms]
    return "\n".join((head, *table, *rows)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=None, help="the Open Cookie Database CSV")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the compact file")
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    source = args.csv or find_csv()
    if source is None or not source.is_file():
        print(f"{CSV_NAME} not found: pass --csv or set PRIVMW_OCD_CSV", file=sys.stderr)
        return 2
    data = build(source.read_bytes()).encode("utf-8")
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'differs from a rebuild'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes) from {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
