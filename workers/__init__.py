"""RQ job functions and the worker process of the hotline."""
