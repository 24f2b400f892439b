"""API2:2023 Broken Authentication: no, wrong, revoked and expired keys are refused."""
