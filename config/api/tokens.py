"""JWT endpoints: obtain (throttled per client and per username, locked out after repeated
failures), refresh, verify, logout.

Access tokens are short-lived (JWT_ACCESS_MINUTES); refresh tokens rotate, and the one used is
blacklisted, as is the one sent to logout. Every request re-reads the user, so a deactivated or
deleted user's tokens stop working at once (simplejwt's CHECK_USER_IS_ACTIVE), and so do every
token of a user whose password changed (config/api/authentication.py). A session ends
JWT_SESSION_MAX_AGE after sign-in whatever the refreshes (config/api/jwt_session.py).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import (
    PasswordField,
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import UntypedToken
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from config.api.authentication import token_user
from config.api.jwt_session import SessionRefreshToken, check_session_alive
from config.api.login_throttling import lockout_notice
from config.api.openapi import ERRORS
from config.api.serializers import RejectUnknownFieldsMixin
from config.api.throttling import TokenClientThrottle, TokenUsernameThrottle

_TOKEN_PAIR = inline_serializer(
    name="TokenPair",
    fields={"access": serializers.CharField(), "refresh": serializers.CharField()},
)


class TokenObtainInputSerializer(RejectUnknownFieldsMixin, TokenObtainPairSerializer):
    """Bounded credentials: no client makes the server hash a megabyte of password. The
    refresh token starts a session (its sign-in time)."""

    token_class = SessionRefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=150)
        self.fields["password"] = PasswordField(max_length=4096)

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except AuthenticationFailed:
            # django-axes flags the request it was given (this DRF request) when the username
            # and client are locked out; its middleware only sees Django's request.
            if getattr(self.context["request"], "axes_locked_out", False):
                raise _locked_out(self.context["request"]) from None
            raise


def _locked_out(request) -> Throttled:
    detail, seconds = lockout_notice(request)
    return Throttled(wait=seconds, detail=detail)


class TokenRefreshInputSerializer(RejectUnknownFieldsMixin, TokenRefreshSerializer):
    """Refused (401) past the session's absolute lifetime, after a password change, and for a
    malformed, unknown or inactive user; otherwise simplejwt rotates the token."""

    refresh = serializers.CharField(max_length=4096)
    token_class = SessionRefreshToken

    def validate(self, attrs):
        token = self.token_class(attrs["refresh"])
        check_session_alive(token)
        token_user(token, not_found_message=self.error_messages["no_active_account"])
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            # simplejwt looks the user up with .get(): a deleted user's token would be a 500.
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


class TokenVerifyInputSerializer(RejectUnknownFieldsMixin, TokenVerifySerializer):
    """Valid means usable: besides signature, expiry and blacklist, the user a token names must
    still be active with the same password, and a refresh token's session still running."""

    token = serializers.CharField(max_length=4096, write_only=True)

    def validate(self, attrs):
        data = super().validate(attrs)
        token = UntypedToken(attrs["token"])
        if token.get(api_settings.TOKEN_TYPE_CLAIM) == "refresh":
            check_session_alive(token)
        token_user(token)
        return data


class LogoutInputSerializer(RejectUnknownFieldsMixin, TokenBlacklistSerializer):
    refresh = serializers.CharField(max_length=4096, write_only=True)


class TokenObtainView(TokenObtainPairView):
    """`{"username", "password"}` → `{"access", "refresh"}`."""

    serializer_class = TokenObtainInputSerializer
    throttle_classes = [TokenClientThrottle, TokenUsernameThrottle]

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={200: _TOKEN_PAIR, **ERRORS(400, 401, 429)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefreshRotatingView(TokenRefreshView):
    """`{"refresh"}` → a new access and refresh token; the refresh token sent is blacklisted."""

    serializer_class = TokenRefreshInputSerializer

    @extend_schema(
        request=TokenRefreshInputSerializer,
        responses={200: _TOKEN_PAIR, **ERRORS(400, 401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenVerifyCheckView(TokenVerifyView):
    """`{"token"}` → 200 when the token is valid, 401 otherwise."""

    serializer_class = TokenVerifyInputSerializer

    @extend_schema(
        request=TokenVerifyInputSerializer,
        responses={200: inline_serializer("TokenValid", fields={}), **ERRORS(400, 401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(TokenBlacklistView):
    """`{"refresh"}` → 204: the refresh token is blacklisted and can no longer be refreshed.

    Access tokens already issued stay valid until they expire (JWT_ACCESS_MINUTES)."""

    serializer_class = LogoutInputSerializer

    @extend_schema(
        request=LogoutInputSerializer,
        responses={204: None, **ERRORS(400, 401)},
    )
    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_204_NO_CONTENT)
