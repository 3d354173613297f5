"""The instance's Ed25519 key pair, and signing and checking envelopes with it.

The private key lives in one file (SMARTGATE_KEY_FILE), readable by its owner only; the
public key, base64 of its 32 raw bytes, is what the other side registers.
"""

import base64
import binascii
import os
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from smartgate.exchange.model import canonical
from smartgate.shared.errors import Conflict, NotFound
from smartgate.shared.wording import Wording

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def generate(path: Path) -> str:
    """Make a key pair in `path` (mode 0600, never over an existing file); the public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        # O_EXCL: two commands racing, or a key already there, never lose a key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(
            Wording("{path} already holds a key; it is not overwritten", path=str(path))
        ) from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return public_text(key.public_key())


def load(path: Path) -> Ed25519PrivateKey:
    """The private key in `path`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(
            Wording("no key in {path}: make one with `smartgate keys generate`", path=str(path))
        ) from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise Conflict(Wording("{path} does not hold an Ed25519 key", path=str(path)))
    return key


def public_text(key: Ed25519PublicKey) -> str:
    """A public key as the other side registers it: base64 of its 32 bytes."""
    return base64.b64encode(key.public_bytes(*RAW)).decode()


def parse_public(text: str) -> Ed25519PublicKey | None:
    """The public key written as `text`, or None when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with its signature (base64) over its canonical form."""
    signature = key.sign(canonical(document))
    return document | {"signature": base64.b64encode(signature).decode()}


def signed_by(envelope: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """True when `envelope`'s signature covers everything else in it, made with `key`."""
    unsigned = {name: value for name, value in envelope.items() if name != "signature"}
    try:
        signature = base64.b64decode(str(envelope.get("signature", "")), validate=True)
        key.verify(signature, canonical(unsigned))
    except (binascii.Error, ValueError, TypeError, InvalidSignature, rfc8785.CanonicalizationError):
        return False
    return True
