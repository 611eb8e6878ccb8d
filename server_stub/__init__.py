"""The central server: HTTP API, auth, change log, storage on SQLite or PostgreSQL."""

#: Bumped whenever the wire format or the change log changes incompatibly.
SCHEMA_VERSION = 1
#: The oldest client schema version this server still serves.
MIN_CLIENT_SCHEMA = 1
