"""API8:2023 Security Misconfiguration: headers, error bodies, CORS, file modes."""
