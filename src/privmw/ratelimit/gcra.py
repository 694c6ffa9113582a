"""GCRA, the Generic Cell Rate Algorithm, as a pure function.

One number per client, the *theoretical arrival time* (TAT): the time at which
the client's bucket would be empty again if it stopped now. With an emission
interval ``T = period / count`` and room for ``burst`` requests at once, a
request at ``now`` is allowed when ``max(tat, now) + T - now <= burst × T``;
the new TAT is then ``max(tat, now) + T``. Smooth (no window edges where a
client gets twice the rate), burst-aware and O(1) in memory and time.

References:
    ITU-T I.371 / ATM Forum TM 4.0 (virtual scheduling algorithm);
    brandur/redis-cell (``CL.THROTTLE``'s return values).
"""

from __future__ import annotations

__all__: list[str] = []

#: ``(allowed, tat, remaining, reset, retry_after)``:
#:
#: - ``allowed``: the request conforms;
#: - ``tat``: the TAT to store (unchanged when refused);
#: - ``remaining``: requests that could still be made right now;
#: - ``reset``: seconds until the bucket is full again (the quota restored);
#: - ``retry_after``: seconds until a refused request would be allowed (0 when allowed).
#:
#: A plain tuple: a ``NamedTuple`` costs about 0.4 µs more per request to build.
Decision = tuple[bool, float, int, float, float]


def gcra(tat: float | None, now: float, interval: float, burst: int) -> Decision:
    """One GCRA step for a client whose stored TAT is ``tat`` (``None``: new client).

    Args:
        tat: the stored theoretical arrival time, or ``None``.
        now: the current time (any monotonic clock, in seconds).
        interval: seconds between requests at the steady rate (``period / count``).
        burst: requests allowed at once (at least 1).

    Returns:
        ``(allowed, tat, remaining, reset, retry_after)``, see :data:`Decision`.
    """
    if tat is None or tat < now:
        tat = now
    new_tat = tat + interval
    limit = burst * interval
    wait = new_tat - now
    if wait > limit:
        # Refused: the TAT does not move, so refusals do not push the client back.
        return (False, tat, 0, tat - now, wait - limit)
    # int() floors; the small epsilon absorbs float error in limit - wait.
    return (True, new_tat, int((limit - wait) / interval + 1e-9), wait, 0.0)
