"""The central store: models, engine and migrations."""
