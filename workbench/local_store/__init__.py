"""The desktop's local store (SQLite) and the entity definitions shared with the server."""
