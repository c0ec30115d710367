"""The flow engine: pure data and functions, no Flask, Redis or database imports."""
