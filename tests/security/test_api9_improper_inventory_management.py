"""API9:2023 Improper Inventory Management: every route served is in the spec."""
