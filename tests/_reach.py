"""What a long-lived object keeps: every string reachable from it (for privacy invariants)."""

from __future__ import annotations

import gc
import types

__all__ = ["reachable"]


def reachable(root: object) -> list[object]:
    seen: set[int] = set()
    stack = [root]
    found: list[object] = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        if isinstance(obj, (str, bytes, bytearray)):
            found.append(obj)
            continue
        if isinstance(obj, types.FunctionType):
            # Not __globals__/__code__: module globals (this test's own constants) are not state.
            stack.extend(cell.cell_contents for cell in obj.__closure__ or ())
            stack.extend(obj.__defaults__ or ())
            continue
        if isinstance(obj, types.ModuleType):
            continue
        stack.extend(gc.get_referents(obj))
    return found
