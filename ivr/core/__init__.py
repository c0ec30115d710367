"""Building blocks without Flask, SQL or Redis: errors, YAML documents, CSV cells."""
