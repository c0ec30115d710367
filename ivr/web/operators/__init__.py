"""Operators: the menu graph and the phone simulator."""
