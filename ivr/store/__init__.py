"""Where data lives: the database and its migrations, Redis with its breaker, the job queue, the outbox, call paths."""
