"""API3:2023 Broken Object Property Level Authorization: mass assignment, masked fields, contact moves."""
