"""Security primitives: personal-data encryption, blind indexes, masking, passwords, secrets."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from liveguard.errors import InvalidInput
from liveguard.security import (
    KeyRing,
    PasswordHasher,
    PiiCipher,
    hash_secret,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    new_secret,
)
from liveguard.security.passwords import MAX_LENGTH, MIN_LENGTH, check_password_rules
from liveguard.security.pii import PiiKeyError

PHONE = "identity_user.phone"
ADDRESS = "identity_user.address"


def ring(kid: str = "k1") -> KeyRing:
    """A fresh key ring with one key."""
    return KeyRing({kid: os.urandom(32)}, kid, os.urandom(32))


@pytest.fixture
def cipher() -> PiiCipher:
    """A cipher over a fresh key ring."""
    return PiiCipher(ring())


def b64(data: bytes) -> str:
    """Settings-style base64url key text."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


# ----------------------------------------------------------------------------- encryption


@pytest.mark.parametrize("plain", ["13812345678", "广东省深圳市南山区测试路 1 号", "", "a:b:c"])
def test_encrypt_decrypt_round_trip(cipher: PiiCipher, plain: str) -> None:
    stored = cipher.encrypt(plain, context=PHONE)
    assert cipher.decrypt(stored, context=PHONE) == plain


def test_ciphertext_hides_the_plaintext_and_is_not_deterministic(cipher: PiiCipher) -> None:
    plain = "13812345678"
    first = cipher.encrypt(plain, context=PHONE)
    second = cipher.encrypt(plain, context=PHONE)
    assert first != second
    for stored in (first, second):
        assert plain not in stored
        assert stored.startswith("pii1:k1:")


def test_a_value_is_bound_to_its_column(cipher: PiiCipher) -> None:
    stored = cipher.encrypt("13812345678", context=PHONE)
    with pytest.raises(PiiKeyError):
        cipher.decrypt(stored, context=ADDRESS)


def test_tampering_is_detected(cipher: PiiCipher) -> None:
    stored = cipher.encrypt("13812345678", context=PHONE)
    prefix, kid, body = stored.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        forged = bytearray(raw)
        forged[position] ^= 0x01
        with pytest.raises(PiiKeyError):
            cipher.decrypt(f"{prefix}:{kid}:{b64(bytes(forged))}", context=PHONE)


def test_values_from_another_ring_or_format_are_refused(cipher: PiiCipher) -> None:
    foreign = PiiCipher(ring()).encrypt("13812345678", context=PHONE)
    with pytest.raises(PiiKeyError):
        cipher.decrypt(foreign, context=PHONE)  # same key id, different key
    with pytest.raises(PiiKeyError, match="unknown key"):
        cipher.decrypt(PiiCipher(ring("k9")).encrypt("x", context=PHONE), context=PHONE)
    for junk in ("13812345678", "pii0:k1:AAAA", "pii1-k1-AAAA"):
        with pytest.raises(PiiKeyError):
            cipher.decrypt(junk, context=PHONE)


@pytest.mark.parametrize("cut", ["empty", "short", "bad_length"])
def test_truncated_values_raise_pii_key_error(cipher: PiiCipher, cut: str) -> None:
    stored = cipher.encrypt("13812345678", context=PHONE)
    prefix = stored[: len("pii1:k1:")]
    body = stored[len(prefix) :]
    damaged = {"empty": prefix, "short": prefix + body[:8], "bad_length": stored + "A"}[cut]
    with pytest.raises(PiiKeyError):
        cipher.decrypt(damaged, context=PHONE)


def test_key_ring_checks_its_keys() -> None:
    with pytest.raises(PiiKeyError, match="active"):
        KeyRing({"k1": os.urandom(32)}, "k2", os.urandom(32))
    with pytest.raises(PiiKeyError, match="32 bytes"):
        KeyRing({"k1": os.urandom(16)}, "k1", os.urandom(32))
    with pytest.raises(PiiKeyError, match="32 bytes"):
        KeyRing({"k:1": os.urandom(32)}, "k:1", os.urandom(32))


# ----------------------------------------------------------------------------- rotation


def test_rotation_encrypts_new_values_with_the_new_key_and_still_reads_old_ones() -> None:
    old_ring = ring()
    old = PiiCipher(old_ring)
    old_value = old.encrypt("13812345678", context=PHONE)

    new_ring = old_ring.rotated()
    assert new_ring.active == "k2"
    assert set(new_ring.keys) == {"k1", "k2"}
    assert new_ring.keys["k1"] == old_ring.keys["k1"]
    assert new_ring.index_key == old_ring.index_key
    new = PiiCipher(new_ring)
    new_value = new.encrypt("13900001111", context=PHONE)

    assert new.key_id(new_value) == "k2"
    assert new.key_id(old_value) == "k1"
    assert new.decrypt(old_value, context=PHONE) == "13812345678"
    assert new.decrypt(new_value, context=PHONE) == "13900001111"
    with pytest.raises(PiiKeyError):
        old.decrypt(new_value, context=PHONE)  # the old ring does not know k2
    assert new_ring.rotated().active == "k3"


def test_key_file_is_created_private_and_reloads_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "pii-keys.json"
    created = KeyRing.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reloaded = KeyRing.load_or_create(path)
    assert reloaded == created
    stored = PiiCipher(created).encrypt("13812345678", context=PHONE)
    assert PiiCipher(reloaded).decrypt(stored, context=PHONE) == "13812345678"


def test_a_rotated_ring_saved_to_the_key_file_reloads(tmp_path: Path) -> None:
    path = tmp_path / "pii-keys.json"
    rotated = KeyRing.load_or_create(path).rotated()
    rotated.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KeyRing.load_or_create(path) == rotated
    assert json.loads(path.read_text(encoding="utf-8"))["active"] == "k2"


def test_keys_from_settings_win_over_the_key_file(tmp_path: Path) -> None:
    path = tmp_path / "never-created.json"
    key, index = os.urandom(32), os.urandom(32)
    from_settings = KeyRing.from_settings({"t1": b64(key)}, "t1", b64(index), path)
    assert from_settings == KeyRing({"t1": key}, "t1", index)
    assert not path.exists()


def test_a_single_key_from_settings_is_the_active_one(tmp_path: Path) -> None:
    ring = KeyRing.from_settings({"t1": b64(os.urandom(32))}, "", b64(os.urandom(32)), tmp_path)
    assert ring.active == "t1"


@pytest.mark.parametrize(
    ("count", "active", "index"),
    [
        (2, "", b64(os.urandom(32))),  # which of two keys encrypts?
        (1, "t1", ""),  # no blind-index key
        (1, "t1", b64(os.urandom(16))),  # blind-index key too short
        (1, "t9", b64(os.urandom(32))),  # active key not in the ring
    ],
)
def test_incomplete_keys_from_settings_are_refused(
    tmp_path: Path, count: int, active: str, index: str
) -> None:
    keys = {f"t{i}": b64(os.urandom(32)) for i in range(1, count + 1)}
    with pytest.raises(PiiKeyError):
        KeyRing.from_settings(keys, active, index, tmp_path / "unused.json")
    assert not (tmp_path / "unused.json").exists()


# ----------------------------------------------------------------------------- blind index


def test_blind_index_is_stable_and_keyed() -> None:
    shared = ring()
    first, second = PiiCipher(shared), PiiCipher(shared)
    index = first.blind_index("13812345678", context=PHONE)
    assert index == second.blind_index("13812345678", context=PHONE)
    assert len(index) == 64
    assert "13812345678" not in index
    assert index != first.blind_index("13812345679", context=PHONE)
    assert index != first.blind_index("13812345678", context=ADDRESS)
    assert index != PiiCipher(ring()).blind_index("13812345678", context=PHONE)
    # Rotating the encryption keys keeps the index key, so look-ups keep working.
    assert PiiCipher(shared.rotated()).blind_index("13812345678", context=PHONE) == index


# ----------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_phone_always_hides_something() -> None:
    assert mask_phone("1234567") == "*******"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110101199001011234", "110***********1234"),
        ("11010119900101123X", "110***********123X"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("广东省深圳市南山区测试路 1 号", "广东省深圳市******"),
        ("广东省深圳市南", "广东省深圳市******"),
        ("广东省深圳市", "广东****"),
        ("北京", "北京"),
        ("京", "京"),
        ("", ""),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), (" 李四 ", "李*"), ("王", "王"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_masks_hide_the_length_of_long_addresses() -> None:
    short, long = (
        mask_address("广东省深圳市南山区"),
        mask_address("广东省深圳市南山区测试路 100 号 8 栋"),
    )
    assert len(short) == len(long)


# ----------------------------------------------------------------------------- passwords


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    """Argon2id with cheap test parameters."""
    return PasswordHasher(fast=True)


def test_password_hash_and_verify(hasher: PasswordHasher) -> None:
    stored = hasher.hash("Correct-Horse-42")
    assert stored.startswith("$argon2id$")
    assert "Correct-Horse-42" not in stored
    assert hasher.verify(stored, "Correct-Horse-42")
    assert not hasher.verify(stored, "correct-horse-42")
    assert hasher.hash("Correct-Horse-42") != stored  # salted


def test_verify_without_a_hash_is_false(hasher: PasswordHasher) -> None:
    assert hasher.verify(None, "anything-at-all") is False
    assert hasher.verify(None, "liveguard-dummy-password") is False


def test_verify_with_a_garbage_hash_is_false(hasher: PasswordHasher) -> None:
    assert hasher.verify("not-a-hash", "Correct-Horse-42") is False


def test_fast_hashes_need_a_rehash_under_the_real_parameters(hasher: PasswordHasher) -> None:
    stored = hasher.hash("Correct-Horse-42")
    assert not hasher.needs_rehash(stored)
    assert PasswordHasher().needs_rehash(stored)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-1A", "auth.password_too_short"),
        ("x" * (MAX_LENGTH + 1), "auth.password_too_long"),
        ("1234567890123", "auth.password_too_simple"),
        ("abababababab", "auth.password_too_simple"),
    ],
)
def test_password_rules_have_stable_codes(password: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_password_rules(password)
    assert info.value.code == code
    assert info.value.status == 422


@pytest.mark.parametrize(
    "password", ["Test-Password-42", "a1b2c3d4e5"[:MIN_LENGTH], "abcd" * (MAX_LENGTH // 4)]
)
def test_good_passwords_pass_the_rules(password: str) -> None:
    check_password_rules(password)


# ----------------------------------------------------------------------------- secrets


def test_secrets_are_random_and_stored_hashed() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert len(first) >= 43  # 32 bytes of entropy, base64url
    assert hash_secret(first) == hash_secret(first)
    assert hash_secret(first) != hash_secret(second)
    assert len(hash_secret(first)) == 64
