"""Desk staff: the desk's callback list, a task, click-to-call."""

from ivr.web.workbench import tasks as tasks  # the task page's routes, on the views' blueprint
