"""Access-log redaction: a standard-base64 secret in a path is logged whole or in part.

``redact`` judges runs of ``[A-Za-z0-9_+=-]`` of 16+ characters. A token in
standard base64 (``base64.b64encode(secrets.token_bytes(24))``, what many
frameworks put in reset and verification links) also holds ``/``; in the
path the server decodes ``%2F`` to ``/`` (``scope["path"]``), which cuts the
token into runs shorter than 16 that are never judged. Over 5000 such tokens
in ``/verify/<token>``, 3.5 % were logged entirely unredacted and ~25 % kept
a random piece of 8+ characters.
"""

from __future__ import annotations

import pytest

from privmw.accesslog.redact import redact

#: Three standard-base64 tokens of 24 random bytes whose "/"-cut pieces are all short.
TOKENS = [
    "Z3AcIeZhBb2Dr2M/UJ/cZZxHFWTSd7Tq",
    "sIIV3zwQG3/n+aAUGvuWKgLy/XJ2KNJm",
    "6um7O56QFgN/hCZ8LozC1F/M0JbPBa4u",
]


@pytest.mark.parametrize("token", TOKENS)
def test_a_standard_base64_token_in_a_path_is_redacted(token: str) -> None:
    logged = redact(f"/verify/{token}")
    pieces = [p for p in token.replace("+", "/").split("/") if len(p) >= 8]
    assert not [p for p in pieces if p in logged], logged
