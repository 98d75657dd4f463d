"""How personal data is shown to roles that may not see it in full (pure functions)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678: keep the carrier prefix and the last four digits."""
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str) -> str:
    """110***********123X: keep the first three and last four characters."""
    n = number.strip()
    if len(n) < 8:
        return "*" * len(n)
    return f"{n[:3]}{'*' * (len(n) - 7)}{n[-4:]}"


def mask_address(address: str) -> str:
    """Keep the first six characters (province and city), hide the rest."""
    a = address.strip()
    if len(a) <= 6:
        return a[:2] + "*" * max(0, len(a) - 2)
    return a[:6] + "*" * 6


def mask_name(name: str) -> str:
    """张*: keep the family name (first character)."""
    n = name.strip()
    if len(n) <= 1:
        return n
    return n[0] + "*" * (len(n) - 1)
