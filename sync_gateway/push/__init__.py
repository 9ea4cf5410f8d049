"""Web Push subscriptions, per user and device (the gateway's own ``push`` database)."""
