"""JWT authentication as the API's users meet it in Swagger UI.

The French spec tells users to paste `Bearer <token>` into Swagger's Authorize dialog. The
schema declares an HTTP bearer scheme (what OpenAPI clients and generators expect), for which
Swagger UI itself adds the `Bearer ` prefix: a pasted `Bearer <token>` is sent as
`Authorization: Bearer Bearer <token>`. That doubled prefix is accepted here, so both pastes
work (the bare token too); the token itself is validated exactly as before.
"""

from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, JWTAuthentication

_HEADER_TYPES = {t.lower() for t in AUTH_HEADER_TYPE_BYTES}


class PastedBearerJWTAuthentication(JWTAuthentication):
    """simplejwt's JWTAuthentication that also reads `Bearer Bearer <token>`."""

    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if (
            len(parts) == 3
            and parts[0] in AUTH_HEADER_TYPE_BYTES
            and parts[1].lower() in _HEADER_TYPES
        ):
            return parts[2]
        return super().get_raw_token(header)
