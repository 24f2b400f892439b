"""API6:2023 Unrestricted Access to Sensitive Business Flows: verification codes."""
