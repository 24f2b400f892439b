"""The OpenAPI contract, shipped as package data so an installed wheel serves it."""
