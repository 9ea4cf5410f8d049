"""Thin HTTP handlers: read the request, call a service, answer."""
