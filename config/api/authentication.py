"""Who a JWT names, checked the same way wherever a token is used: as a Bearer token (every API
request), at refresh and at verify (config/api/tokens.py).

The French spec tells users to paste `Bearer <token>` into Swagger's Authorize dialog. The
schema declares an HTTP bearer scheme (what OpenAPI clients and generators expect), for which
Swagger UI itself adds the `Bearer ` prefix: a pasted `Bearer <token>` is sent as
`Authorization: Bearer Bearer <token>`. That doubled prefix is accepted, so both pastes work
(the bare token too); the token itself is validated exactly as any other.

A token is refused (401 JSON) when its user id is malformed (a correctly signed token with
`"user_id": "abc"` must not reach the database as a 500), when the user is gone or inactive, and
when the password changed after it was issued: simplejwt's CHECK_REVOKE_TOKEN puts a digest of
the password hash in every token (REVOKE_TOKEN_CLAIM), and a new password makes it stale.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

_MAX_ID = 2**63 - 1
_HEADER_TYPES = {t.lower() for t in AUTH_HEADER_TYPE_BYTES}
PASSWORD_CHANGED = _("The user's password has been changed.")


def token_user_id(token) -> int:
    """The user id a token carries, or InvalidToken (401) when it is missing or not a
    positive integer (simplejwt writes it as a string of digits)."""
    value = token.get(api_settings.USER_ID_CLAIM)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _MAX_ID:
        return value
    raise InvalidToken(_("Token contained no recognizable user identification"))


def check_password_unchanged(token, user) -> None:
    """AuthenticationFailed when the user's password changed since the token was issued."""
    if not api_settings.CHECK_REVOKE_TOKEN:
        return
    claim = token.get(api_settings.REVOKE_TOKEN_CLAIM)
    if claim != get_md5_hash_password(user.password):
        raise AuthenticationFailed(PASSWORD_CHANGED, code="password_changed")


def token_user(token, *, not_found_message=None):
    """The active user a token names; AuthenticationFailed (401) otherwise: malformed id,
    unknown or inactive user, password changed since."""
    user_id = token_user_id(token)
    user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
        raise AuthenticationFailed(
            not_found_message or _("No active account found for the given token."),
            code="no_active_account",
        )
    check_password_unchanged(token, user)
    return user


class JWTUserAuthentication(JWTAuthentication):
    """simplejwt's Bearer authentication (deactivated users and changed passwords refused),
    with a malformed user id a 401 instead of a database error, and the `Bearer Bearer <token>`
    Swagger UI sends when a user pastes `Bearer <token>` read as the token."""

    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if (
            len(parts) == 3
            and parts[0] in AUTH_HEADER_TYPE_BYTES
            and parts[1].lower() in _HEADER_TYPES
        ):
            return parts[2]
        return super().get_raw_token(header)

    def get_user(self, validated_token):
        token_user_id(validated_token)
        return super().get_user(validated_token)
