"""Attachments on the file-system storage: types judged on the content, size and count limits,
random storage names, downloads only for those who may see the message, and no file left
behind by a refused or undone message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.conversation import services
from tickets.conversation.tests.helpers import messages_url
from tickets.conversation.uploads import upload_handlers_install
from tickets.models import MessageAttachment, TicketMessage, TicketStatus
from tickets.services import ticket_transition
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_files(client, ticket, *files, **fields):
    data = {"body": "See attached", **fields, "attachments": list(files)}
    return client.post(messages_url(ticket), data, format="multipart")


def stored(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def test_files_are_stored_under_random_names_and_listed(as_user, requester, ticket, _media_root):
    response = post_files(
        as_user(requester),
        ticket,
        upload("screen shot.png", PNG),
        upload("notes.txt", "Line one\nLigne deux é\n".encode()),
    )

    assert response.status_code == 201, response.data
    files = response.json()["attachments"]
    assert [(f["name"], f["content_type"], f["size"]) for f in files] == [
        ("screen shot.png", "image/png", len(PNG)),
        ("notes.txt", "text/plain", len("Line one\nLigne deux é\n".encode())),
    ]
    paths = stored(_media_root)
    assert len(paths) == 2
    assert not any("screen" in p.name or "notes" in p.name for p in paths)
    assert sorted(p.read_bytes() for p in paths) == sorted(
        [PNG, "Line one\nLigne deux é\n".encode()]
    )


def test_download_streams_the_file_as_an_attachment(as_user, requester, ticket):
    response = post_files(as_user(requester), ticket, upload("invoice.pdf", PDF))
    url = response.json()["attachments"][0]["url"]

    download = as_user(requester).get(url, HTTP_ACCEPT="application/pdf")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]


def test_a_file_is_judged_by_its_content_not_its_name_or_declared_type(
    as_user, requester, ticket, _media_root
):
    client = as_user(requester)
    for name, content in (("photo.png", HTML), ("report.pdf", EXE)):
        response = post_files(client, ticket, upload(name, content, "image/png"))
        assert response.status_code == 400
        assert name in response.json()["attachments"][0]
    assert stored(_media_root) == []
    assert not TicketMessage.objects.exists()


def test_a_name_that_says_another_type_gets_the_detected_extension(as_user, requester, ticket):
    response = post_files(as_user(requester), ticket, upload("page.html", PNG, "text/html"))

    assert response.status_code == 201, response.data
    attachment = response.json()["attachments"][0]
    assert (attachment["name"], attachment["content_type"]) == ("page.html.png", "image/png")


def test_the_allowed_types_are_a_setting(as_user, requester, ticket, settings):
    settings.CONVERSATION_ATTACHMENT_TYPES = ["application/pdf"]

    response = post_files(as_user(requester), ticket, upload("a.png", PNG))

    assert response.status_code == 400
    assert "image/png" in response.json()["attachments"][0]
    assert post_files(as_user(requester), ticket, upload("a.pdf", PDF)).status_code == 201


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(
    as_user, requester, ticket, settings, _media_root
):
    settings.CONVERSATION_ATTACHMENT_MAX_BYTES = 100
    client = as_user(requester)

    response = post_files(client, ticket, upload("big.txt", b"a" * 101))

    assert response.status_code == 400
    assert response.json() == {"attachments": ["big.txt: larger than the 100 bytes accepted."]}
    assert stored(_media_root) == []
    assert post_files(client, ticket, upload("fits.txt", b"a" * 100)).status_code == 201


def test_a_large_upload_is_dropped_while_it_streams_in(rf, settings):
    """What passes the limit is never kept, in memory or in a temporary file: the handler
    skips it while the request streams in and remembers its name for the 400. (The whole
    request is bounded too: DJANGO_MAX_REQUEST_BYTES, config/middleware.py.)"""
    settings.CONVERSATION_ATTACHMENT_MAX_BYTES = 1000
    request = rf.post(
        "/",
        {"body": "x", "attachments": [upload("huge.txt", b"a" * 200_000), upload("ok.txt", b"ok")]},
    )

    handler = upload_handlers_install(request)

    assert [f.name for f in request.FILES.getlist("attachments")] == ["ok.txt"]
    assert handler.refused == ["huge.txt"]
    assert request.POST["body"] == "x"


def test_count_and_emptiness_are_checked(as_user, requester, ticket, settings):
    settings.CONVERSATION_ATTACHMENT_MAX_COUNT = 2
    client = as_user(requester)

    too_many = post_files(client, ticket, *(upload(f"{i}.txt", b"x") for i in range(3)))
    empty = post_files(client, ticket, upload("empty.txt", b""))

    assert too_many.status_code == 400
    assert too_many.json() == {"attachments": ["At most 2 attachments per message."]}
    assert empty.status_code == 400
    assert "empty.txt" in empty.json()["attachments"][0]


def test_a_refused_message_leaves_no_file(as_user, billing_agent, ticket, _media_root):
    ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=billing_agent.user)

    response = post_files(
        as_user(billing_agent.user), ticket, upload("a.png", PNG), status="PENDING"
    )

    assert response.status_code == 409
    assert stored(_media_root) == []
    assert not MessageAttachment.objects.exists()


def test_only_those_who_see_the_message_download_its_files(
    as_user, requester, other_requester, billing_agent, ticket, catalogue
):
    note = post_files(as_user(billing_agent.user), ticket, upload("n.png", PNG), internal="true")
    reply = post_files(as_user(billing_agent.user), ticket, upload("r.png", PNG))
    note_url = note.json()["attachments"][0]["url"]
    reply_url = reply.json()["attachments"][0]["url"]
    assert note.json()["internal"] is True

    assert as_user(requester).get(note_url).status_code == 404
    assert as_user(requester).get(reply_url).status_code == 200
    assert as_user(billing_agent.user).get(note_url).status_code == 200
    outsider = AgentFactory(department=catalogue["bug"].department).user
    for user in (other_requester, outsider):
        assert as_user(user).get(reply_url).status_code == 404
    # An attachment is reached only through its own ticket and message.
    wrong_message = reply_url.replace(
        f"/messages/{reply.json()['id']}/", f"/messages/{note.json()['id']}/"
    )
    assert as_user(billing_agent.user).get(wrong_message).status_code == 404


def test_a_file_missing_from_storage_is_a_404_not_a_500(as_user, requester, ticket, _media_root):
    url = post_files(as_user(requester), ticket, upload("a.png", PNG)).json()["attachments"][0][
        "url"
    ]
    for path in stored(_media_root):
        path.unlink()

    assert as_user(requester).get(url).status_code == 404


def test_deleting_or_redacting_removes_the_files_once_committed(
    as_user, billing_agent, staff, ticket, _media_root, django_capture_on_commit_callbacks
):
    client = as_user(billing_agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        note = post_files(client, ticket, upload("a.png", PNG), internal="true").json()
        reply = post_files(client, ticket, upload("b.png", PNG)).json()
    assert len(stored(_media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(
            message=TicketMessage.objects.get(pk=note["id"]), actor=billing_agent.user
        )
    assert len(stored(_media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(staff).post(
            messages_url(ticket, reply["id"], "redact"), {"attachments": True}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["attachments"] == []
    assert stored(_media_root) == []
