"""Repositories: the queries of each resource, behind methods the domain can call."""
