"""Who is using the desktop: the logged-in user, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.codes import Role


@dataclass(frozen=True)
class Actor:
    user_id: str
    username: str
    display_name: str
    role: str
    team_id: str | None = None
    store_id: str | None = None

    @property
    def sees_full_numbers(self) -> bool:
        """Receptionists check identity at the counter and admins manage data; agents dial
        through the softphone and never need the full number."""
        return self.role in (Role.RECEPTIONIST, Role.ADMIN)
