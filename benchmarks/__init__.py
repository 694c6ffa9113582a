"""privmw benchmarks: ``python -m benchmarks`` (``--quick``, ``--json PATH``)."""
