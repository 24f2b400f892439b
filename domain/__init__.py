"""Domain rules and use cases in plain Python (no web, database or queue imports)."""
