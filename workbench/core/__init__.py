"""The shared core: what the desktop and the server both use.

Domain codes and state machines, phone numbers, tags, contact pressure, policies, the rule
language, time helpers, the entity column schema and wire format, engine helpers, scoring and
statistics. Imports no Qt, FastAPI, httpx, desktop store, services or server code (checked by
the import-linter contracts in ``pyproject.toml``; see ``docs/architecture.md``).
"""
