"""Interfaces to outside services, each with a local adapter (no network, the default) and a real one."""
