"""Builds the outside-service adapters from configuration: real ones when configured, local ones otherwise."""

from personas.config import Settings


def build_providers(settings: Settings) -> dict:
    providers: dict = {}
    return providers
