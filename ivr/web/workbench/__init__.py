"""Desk staff: the desk's callback list, a task, click-to-call."""
