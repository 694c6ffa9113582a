"""The tag rewriter as it was before the issue-16 performance work (main at e570426).

A frozen copy of ``privmw.tags`` ``rewriter``, ``_tokenizer``, ``_grammar``,
``_fetch``, ``_inline`` and ``_neutralise``, importable only by the
benchmarks, so that ``bench_tags`` measures the engine before and after in
one run on the same pages. Not part of the package; never edited.
"""
