"""API4:2023 Unrestricted Resource Consumption: bodies, headers, nesting, spreadsheets, pages, rate limits."""
