"""API7:2023 Server Side Request Forgery: every URL-taking field refuses internal addresses."""
