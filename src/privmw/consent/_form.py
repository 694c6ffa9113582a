"""The no-JavaScript consent form and its page (``GET {prefix}/form``).

Plain HTML that posts to the consent endpoint, so a visitor can choose with
scripting off. ``next_path`` must already be a safe same-origin path (the
endpoint checks it); everything inserted is escaped.
"""

from __future__ import annotations

import html

from privmw.context import PrivacyContext

from .policy import ConsentPolicy

__all__: list[str] = []


def render_form(
    policy: ConsentPolicy, context: PrivacyContext, prefix: str, *, next_path: str = "/"
) -> str:
    """An HTML consent form (works without JavaScript) posting to ``prefix``."""
    action = html.escape(prefix, quote=True)
    nxt = html.escape(next_path, quote=True)
    rows = []
    for cat in policy.categories:
        checked = " checked" if context.consent is not None and cat in context.consent else ""
        note = " (refused by your browser's privacy signal)" if cat in context.denied else ""
        rows.append(
            f'<label><input type="checkbox" name="{cat}" value="on"{checked}> '
            f"{cat.capitalize()}{html.escape(note)}</label><br>"
        )
    return (
        f'<form method="post" action="{action}" class="privmw-consent">'
        f'<input type="hidden" name="next" value="{nxt}">'
        '<label><input type="checkbox" checked disabled> Necessary</label><br>'
        f"{''.join(rows)}"
        '<button type="submit" name="action" value="save">Save my choices</button> '
        '<button type="submit" name="action" value="reject-all">Reject all</button> '
        '<button type="submit" name="action" value="accept-all">Accept all</button> '
        '<button type="submit" name="action" value="withdraw">Withdraw consent</button>'
        "</form>"
    )


def render_page(
    policy: ConsentPolicy, context: PrivacyContext, prefix: str, *, next_path: str = "/"
) -> str:
    """A whole page around :func:`render_form`."""
    form = render_form(policy, context, prefix, next_path=next_path)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>Privacy choices</title>'
        f"</head><body><h1>Privacy choices</h1>{form}</body></html>"
    )
