"""The caller's side of the live queue: the hold loop (waitUrl) and its key press."""
