"""Integrators: the JSON API."""
