"""Which vendors a nested document would load: a rewriter that only takes note.

For ``data:`` documents (``Finder.data``): the document is read by the same
state machine as the page (tags, foreign content, its own ``<base>``, inline
code), in ``report-only`` mode, as the browser reads it (privmw does not
change a ``data:`` document it keeps: every vendor counts as allowed, so a
``<base>`` naming one still applies), and every vendor it meets is listed
(the page's rewriter decides on consent with the vendor it is given).
"""

from __future__ import annotations

__all__: list[str] = []

from privmw.trackers import Vendor

from .rewriter import HtmlRewriter, RewritePlan


def _allow(category: str) -> bool:
    return True


class _Probe(HtmlRewriter):
    """A report-only rewriter that lists every vendor it is asked about."""

    def __init__(self, plan: RewritePlan, *, xml: bool, depth: int) -> None:
        super().__init__(plan, _allow, mode="report-only", xml=xml, depth=depth)
        # no decision memo: a replayed decision asks no vendor (only verdicts), so
        # a probe reading a document the plan has read before would list none
        self._memo = None
        self.found: list[Vendor] = []

    def _allowed(self, vendor: Vendor) -> bool:
        if vendor not in self.found:
            self.found.append(vendor)
        return True


def document_vendors(plan: RewritePlan, text: str, xml: bool, depth: int) -> list[Vendor]:
    """Every registry vendor ``text`` (an HTML or XML document) would load, in order."""
    probe = _Probe(plan, xml=xml, depth=depth)
    probe.feed(text.encode("utf-8"))
    probe.close()
    return probe.found
