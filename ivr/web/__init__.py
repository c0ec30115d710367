"""The web process: services container, login, languages, health, metrics; one blueprint package per audience."""
