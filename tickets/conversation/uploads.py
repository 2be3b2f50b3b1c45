"""The per-file size limit, applied while a multipart request streams in.

Django keeps every uploaded file however large (in memory, then in a temporary file) until the
view reads it; this handler, first in line, drops the rest of a file as soon as it passes
CONVERSATION_ATTACHMENT_MAX_BYTES and remembers its name, so the view answers a 400 naming it
without a large upload ever reaching the disk."""

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)


class BoundedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.max_bytes = settings.CONVERSATION_ATTACHMENT_MAX_BYTES
        self.refused: list[str] = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.refused.append(self.file_name or "attachment")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers keep the file


def upload_handlers_install(request) -> BoundedUploadHandler:
    """Put the bounded handler in front of Django's own on this (not yet parsed) request."""
    bounded = BoundedUploadHandler(request)
    request.upload_handlers = [
        bounded,
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    return bounded
