"""``get_privacy``: the request's :class:`PrivacyContext` as a FastAPI dependency.

A plain callable taking a Starlette ``Request``, so FastAPI injects it
without privmw importing FastAPI::

    from fastapi import Depends
    from privmw import PrivacyContext, get_privacy

    @app.get("/")
    def home(privacy: PrivacyContext = Depends(get_privacy)) -> dict[str, bool]:
        return {"analytics": privacy.allows("analytics")}
"""

from __future__ import annotations

from starlette.requests import Request

from .context import PrivacyContext

__all__ = ["get_privacy"]


def get_privacy(request: Request) -> PrivacyContext:
    """The :class:`PrivacyContext` ``PrivacyMiddleware`` stored for this request.

    Raises:
        RuntimeError: ``PrivacyMiddleware`` is not installed in front of the
            app (a set-up error, never caused by client input).
    """
    state = request.scope.get("state")
    context = state.get("privacy") if isinstance(state, dict) else None
    if not isinstance(context, PrivacyContext):
        raise RuntimeError(
            "privmw.get_privacy: no PrivacyContext on the request; add "
            "app.add_middleware(privmw.PrivacyMiddleware)"
        )
    return context
