"""Identity: users, roles, password hashes and access tokens."""
