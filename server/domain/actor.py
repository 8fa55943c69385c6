"""Who is calling: the role a token grants, and the person or point it speaks for."""

from __future__ import annotations

import enum

import msgspec


class Role(enum.Enum):
    ADMIN = "admin"
    CHAIR = "chair"
    SECRETARY = "secretary"
    PERSON = "person"
    POINT = "point"
    PUBLIC = "public"


class Actor(msgspec.Struct, frozen=True):
    """A token's holder. The chair and secretary tokens also speak for their own person."""

    role: Role
    person: str | None = None
    point: str | None = None

    def label(self) -> str:
        """A short name for error messages and the ``by`` field of events."""
        return self.person or self.point or self.role.value


def a_role(role: Role | str) -> str:
    """'a chair', 'an admin': the role's name with the English article its first sound takes (by vowel)."""
    name = role.value if isinstance(role, Role) else role
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"
