"""Resident channels as Rasa input/output channels (listed in credentials.yml)."""
