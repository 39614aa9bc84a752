"""The expression language: the frozen expression tree and its parser (no evaluation here)."""
