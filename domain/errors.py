"""Errors the domain raises; the HTTP layer maps each class to one status code."""

from __future__ import annotations

LANGUAGES = ("es", "en")


class Text(str):
    """A message in the API's two languages, Spanish and English, kept apart so that an answer can carry
    the one its reader asked for (`in_language`).

    As a plain string it reads "español / English": what a log line, a stored job result or any reader
    without a language of its own gets. `format` fills both: an argument that is itself a Text gives
    each language its own wording, any other argument is the same in both.
    """

    es: str
    en: str

    def __new__(cls, es: str, en: str) -> Text:
        text = super().__new__(cls, f"{es} / {en}")
        text.es, text.en = es, en
        return text

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.es

    @staticmethod
    def joined(separator: str, texts) -> Text:
        """`separator.join(texts)` in each language (a plain string among them is the same in both)."""
        texts = list(texts)
        return Text(*(separator.join(in_language(text, language) for text in texts) for language in LANGUAGES))

    def _like(self, es: str, en: str) -> Text:
        return Text(es, en)

    def format(self, *args, **kwargs) -> Text:
        def filled(template: str, language: str) -> str:
            picked = [in_language(arg, language) for arg in args]
            named = {name: in_language(arg, language) for name, arg in kwargs.items()}
            return template.format(*picked, **named)

        return self._like(filled(self.es, "es"), filled(self.en, "en"))

    def __reduce__(self):
        # str's own pickling would call Text(text) with one language.
        return Text, (self.es, self.en)


def in_language(value, language: str):
    """`value` with each Text in it, inside lists and dict values, in `language`; the rest as it is."""
    if isinstance(value, Text):
        return value.in_language(language)
    if isinstance(value, dict):
        return {key: in_language(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [in_language(item, language) for item in value]
    return value


class Rule(Text):
    """The message of a business rule a JSON Schema cannot state; `code` names the rule.

    It is the message itself, so `ValidationFailed({field: [RULE]})` carries the text, and the 422 also
    names the rule (the spec's `DomainRule` codes). `format` keeps the code: `UNKNOWN_STATE.format(name)`
    is still that rule.
    """

    code: str

    def __new__(cls, code: str, es: str, en: str) -> Rule:
        rule = super().__new__(cls, es, en)
        rule.code = code
        return rule

    def _like(self, es: str, en: str) -> Rule:
        return Rule(self.code, es, en)

    def __reduce__(self):
        return Rule, (self.code, self.es, self.en)


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
    """Too many attempts at something limited; `retry_after` is in whole seconds (rendered as 429, with the
    generic message when it has none of its own)."""

    def __init__(self, message: str = "", retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """An outside service the operation needs did not answer usefully; nothing was changed, and the same
    request may be sent again after `retry_after` seconds (rendered as 503 with Retry-After)."""

    def __init__(self, message: str = "", retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Forbidden(DomainError):
    """The caller's key lacks what the operation needs (rendered as 403)."""
