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
        """Nobody by default: numbers are masked on every screen and export (PIPL's minimum
        necessary); a full number is shown only by an audited reveal (:attr:`may_reveal`).
        Dialling and incoming-call matching use the number without showing it."""
        return False

    @property
    def may_reveal(self) -> bool:
        """Roles that may reveal a full number, one customer at a time, audited on the server:
        receptionists check identity at the counter, leads handle complaints, admins manage
        data (the server's ``privacy.REVEAL_ROLES`` decides)."""
        return self.role in (Role.RECEPTIONIST, Role.LEAD, Role.ADMIN)
