"""Errors the domain raises; the HTTP layer maps each class to one status code."""

from __future__ import annotations


class Rule(str):
    """The message of a business rule a JSON Schema cannot state; `code` names the rule.

    It is the message text itself, so `ValidationFailed({field: [RULE]})` answers the same text as ever,
    and the 422 also names the rule (the spec's `DomainRule` codes). `format` keeps the code:
    `UNKNOWN_STATE.format(name)` is still that rule.
    """

    code: str

    def __new__(cls, code: str, text: str) -> Rule:
        rule = super().__new__(cls, text)
        rule.code = code
        return rule

    def format(self, *args, **kwargs) -> Rule:
        return Rule(self.code, super().format(*args, **kwargs))

    def __reduce__(self):
        # str's own pickling would call Rule(text) without the code.
        return Rule, (self.code, str(self))


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input breaks a rule; `errors` maps each field to its messages (rendered as 422)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "Validation failed") -> None:
        super().__init__(message)
        # Copied so a caller that keeps adding to its own dict cannot change a raised error.
        self.errors = {field: list(messages) for field, messages in errors.items()}

    def __str__(self) -> str:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        return f"{self.message}: {details}" if details else self.message


class NotFound(DomainError):
    """The record asked for does not exist (rendered as 404)."""


class Conflict(ValidationFailed):
    """A value that must be unique is already used, e.g. a national_id (still a 422 with the field)."""


class DuplicateKey(DomainError):
    """The store refused a value that must be unique: another writer took it after it was checked. Work
    that checks many values at once can be done again, checking each as it goes."""


class RateLimited(DomainError):
    """Too many attempts at something limited; `retry_after` is in whole seconds (rendered as 429)."""

    def __init__(self, message: str = "Too many requests", retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Forbidden(DomainError):
    """The caller's key lacks what the operation needs (rendered as 403)."""
