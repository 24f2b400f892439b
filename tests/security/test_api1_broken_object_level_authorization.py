"""API1:2023 Broken Object Level Authorization: a key reaches only what its scopes allow."""
