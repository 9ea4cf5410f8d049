"""Users and clinics: the gateway's own documents (never replicated to clients)."""
