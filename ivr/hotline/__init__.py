"""The hotline's records and rules: callbacks, calls, closures, office hours, accounts, privacy, figures."""
