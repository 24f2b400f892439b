"""Operations of the spec whose issue is still open: they answer 501 through `resolver_error`.

This is the one list; the contract tests read it. It shrinks to nothing as the other issues land,
and it is empty now: every operation of the spec has its handler.
"""

PENDING_OPERATIONS: frozenset[str] = frozenset()
