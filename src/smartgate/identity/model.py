"""Pure identity rules: usernames, role bindings, password strength."""

import re

from smartgate.shared.actor import ROLES
from smartgate.shared.errors import FieldError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10


def check_new_user(
    *, username: str, role: str, password: str, gate_id: str | None, demo: bool = False
) -> list[FieldError]:
    """Faults in a new user: bad name, unknown role, operator without gate, weak password."""
    errors = []
    if not USERNAME.match(username):
        errors.append(
            FieldError("username", "use 2 to 80 lower-case letters, digits, dots, dashes or _")
        )
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if role == "operator" and not gate_id:
        errors.append(FieldError("gate_id", "an operator is bound to one gate"))
    if role != "operator" and gate_id:
        errors.append(FieldError("gate_id", "only operators are bound to a gate"))
    # Demo users share the password `demo`; real ones must not.
    if not demo and len(password) < MIN_PASSWORD:
        errors.append(FieldError("password", f"must have at least {MIN_PASSWORD} characters"))
    return errors
