"""Languages of the staff interface (the callers' languages are the flows' and config.yaml's)."""

from __future__ import annotations

UI_LANGS = ("de", "en")
"""Interface languages; the first is the default."""
