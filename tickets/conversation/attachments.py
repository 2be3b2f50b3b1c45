"""What an uploaded file is, judged from its content: its type, and a name that says so.

The client's file name and declared Content-Type are not trusted: the type comes from the
bytes (puremagic's signatures; text without a signature is text/plain when it decodes as
UTF-8 with no control characters), must be among CONVERSATION_ATTACHMENT_TYPES, and the
stored name gets that type's extension when its own says something else (`x.html` holding a
PNG is kept as `x.html.png`)."""

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

# Enough for every signature puremagic checks near the start (tar's sits at byte 257).
_SNIFF_BYTES = 8192
# Text has no signature: these extensions are accepted for it as they are.
_TEXT_EXTENSIONS = (".txt", ".text", ".log", ".csv", ".md")
_NAME_MAX = 120
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}


class AttachmentRefused(ValueError):
    """The file cannot be attached; the message says why, naming the file."""


@dataclass(frozen=True)
class CheckedAttachment:
    file: UploadedFile
    name: str
    content_type: str
    size: int


def attachment_check(upload: UploadedFile) -> CheckedAttachment:
    """The upload with its detected type and cleaned name, or AttachmentRefused."""
    name = _name_clean(upload.name or "")
    max_bytes = settings.CONVERSATION_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise AttachmentRefused(f"{name}: larger than the {max_bytes} bytes accepted.")
    if upload.size == 0:
        raise AttachmentRefused(f"{name}: the file is empty.")
    content_type = content_type_detect(upload)
    allowed = settings.CONVERSATION_ATTACHMENT_TYPES
    if content_type is None or content_type not in allowed:
        found = content_type or "of no recognised type"
        raise AttachmentRefused(
            f"{name}: its content is {found}; accepted types: {', '.join(allowed)}."
        )
    return CheckedAttachment(
        file=upload,
        name=_name_for_type(name, content_type),
        content_type=content_type,
        size=upload.size,
    )


def content_type_detect(upload: UploadedFile) -> str | None:
    """The MIME type the file's bytes show, or None when they show none."""
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    try:
        return puremagic.from_string(head, mime=True) or None
    except (puremagic.PureError, ValueError):
        pass
    # Bounded by CONVERSATION_ATTACHMENT_MAX_BYTES, checked before.
    raw = upload.read()
    upload.seek(0)
    return "text/plain" if _is_plain_text(raw) else None


def _is_plain_text(raw: bytes) -> bool:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(
        unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS for char in text
    )


def _name_clean(raw: str) -> str:
    """The last path component, without control or format characters, at most _NAME_MAX
    characters (its extension kept)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "attachment"
    if len(name) > _NAME_MAX:
        suffix = PurePath(name).suffix[:16]
        name = name[: _NAME_MAX - len(suffix)] + suffix
    return name


def _name_for_type(name: str, content_type: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if content_type == "text/plain":
        accepted = _TEXT_EXTENSIONS
    else:
        accepted = tuple(mimetypes.guess_all_extensions(content_type, strict=False))
    if suffix and suffix in accepted:
        return name
    extension = accepted[0] if accepted else "." + content_type.rsplit("/", 1)[-1].split("+")[0]
    if content_type == "image/jpeg":
        extension = ".jpg"
    return f"{name}{extension}"
