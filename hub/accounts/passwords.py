"""Passwords: argon2id hashes, the policy, and one-time passwords.

The policy is the procedures' own: at least `password_min_length` characters with a small
letter, a capital letter and a digit (`security_policy.py`); a password may not repeat
one of the account's last `password_history`. Each rule that fails is reported by its code
(`PROBLEMS`, each with its sentence, a message id), so each is said in the reader's language.
"""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.accounts.security_policy import SecuritySettings
from hub.refusal import N_, Refusal

HASHER = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: t=3, m=64 MiB, p=4)."""
PROBLEMS = {
    "too_short": N_("It must have at least %(min_length)s characters."),
    "no_lower": N_("It must have a small letter."),
    "no_upper": N_("It must have a capital letter."),
    "no_digit": N_("It must have a digit."),
    "reused": N_("It must differ from your last %(history)s passwords."),
}
"""What a password may lack, by code, with the sentence that says so (a message id)."""
ONE_TIME_LENGTH = 14
_UNAMBIGUOUS = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "Il1O0o")


class PasswordRejected(Refusal):
    """The new password breaks the policy; `problems` are `PROBLEMS` keys, each shown with its
    sentence (formatted with the params `min_length` and `history`)."""

    def __init__(self, problems: list[str], settings: SecuritySettings) -> None:
        self.problems = problems
        self.min_length = settings.password_min_length
        self.history = settings.password_history
        super().__init__(
            "password.rejected",
            N_("The new password does not meet the policy."),
            problems=problems,
            min_length=self.min_length,
            history=self.history,
        )


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def policy_problems(password: str, settings: SecuritySettings) -> list[str]:
    """What the password lacks by the policy (empty when it is good enough)."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append("too_short")
    if not any(ch.islower() for ch in password):
        problems.append("no_lower")
    if not any(ch.isupper() for ch in password):
        problems.append("no_upper")
    if not any(ch.isdigit() for ch in password):
        problems.append("no_digit")
    return problems


def one_time_password(settings: SecuritySettings) -> str:
    """A random password that meets the policy, without look-alike characters (I, l, 1, O, 0)
    so it can be read out or copied from paper."""
    length = max(ONE_TIME_LENGTH, settings.password_min_length)
    while True:
        candidate = "".join(secrets.choice(_UNAMBIGUOUS) for _ in range(length))
        if not policy_problems(candidate, settings):
            return candidate
