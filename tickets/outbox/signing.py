"""The webhook signature, as Stripe and GitHub do it: HMAC-SHA256 over "<timestamp>.<body>"
with the endpoint's secret, sent as `Webhook-Signature: t=<timestamp>,v1=<hex digest>`."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Webhook-Signature"


def secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def signature_verify(*, secret: str, header: str, body: bytes, now: int, tolerance: int = 300):
    """What a receiver does (docs/integrations.md): True when the header signs this body
    with this secret, less than `tolerance` seconds ago."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))
