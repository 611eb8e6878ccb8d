"""Widgets and windows. Never imports local_store or httpx: talks to view-models."""
