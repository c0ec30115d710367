"""Supervisors: backlog across desks, the dashboard and its charts."""
