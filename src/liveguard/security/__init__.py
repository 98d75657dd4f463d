"""Security primitives: personal-data encryption, password hashing, secrets, masking."""

from liveguard.security.masking import mask_address, mask_id_number, mask_name, mask_phone
from liveguard.security.passwords import PasswordHasher
from liveguard.security.pii import KeyRing, PiiCipher
from liveguard.security.tokens import hash_secret, new_secret

__all__ = [
    "KeyRing",
    "PasswordHasher",
    "PiiCipher",
    "hash_secret",
    "mask_address",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "new_secret",
]
