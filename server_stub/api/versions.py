"""The versions of the API and wire format."""

from __future__ import annotations

#: Version of the API and wire format this server speaks.
SCHEMA_VERSION = 1
#: Oldest client schema this server still accepts.
MIN_CLIENT_SCHEMA = 1
