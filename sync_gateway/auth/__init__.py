"""Authentication: passwords (bcrypt), tokens (JWT), TOTP, and the sign-in flows."""
