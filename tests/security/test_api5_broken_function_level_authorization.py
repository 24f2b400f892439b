"""API5:2023 Broken Function Level Authorization: every scope against every operation, from the spec."""
