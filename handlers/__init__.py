"""Thin HTTP adapters: one module per resource, named by the spec's x-openapi-router-controller."""
