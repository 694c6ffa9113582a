"""Real-browser fixtures of ``tests/browser`` (Debian's Chromium) for the round-2 attack tests."""

from __future__ import annotations

from tests.browser.conftest import browser, playwright_instance

__all__ = ["browser", "playwright_instance"]
