"""Administrators: user accounts and the job monitor."""
