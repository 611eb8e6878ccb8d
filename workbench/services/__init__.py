"""Business logic without widgets. Nothing in this package imports Qt."""
