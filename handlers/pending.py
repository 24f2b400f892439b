"""Operations of the spec whose issue is still open: they answer 501 through `resolver_error`.

This is the one list; the contract tests read it. It shrinks to nothing as the other issues land.
"""

ISSUE_4_IMPORT_EXPORT = {"import_people", "export_people"}

PENDING_OPERATIONS: frozenset[str] = frozenset(ISSUE_4_IMPORT_EXPORT)
