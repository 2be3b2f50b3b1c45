"""Whatever arrives, the service answers with a record, never an exception (which would be a
500 at the HTTP door and a 451 retry loop at the SMTP one)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickets.mail.services import mail_receive
from tickets.mail.tests.conftest import eml
from tickets.models import InboundDoor, InboundOutcome

pytestmark = pytest.mark.django_db

HEADERS = [
    "From",
    "To",
    "Subject",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Message-ID",
    "In-Reply-To",
    "Auto-Submitted",
    "Content-Disposition",
    "MIME-Version",
]
header_lines = st.lists(
    st.tuples(st.sampled_from(HEADERS), st.binary(max_size=80)), max_size=8
).map(lambda pairs: b"".join(name.encode() + b": " + value + b"\r\n" for name, value in pairs))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.one_of(
        st.binary(max_size=2000),
        st.tuples(header_lines, st.binary(max_size=1000)).map(lambda p: p[0] + b"\r\n" + p[1]),
        # A real message with a stretch of it overwritten by random bytes.
        st.tuples(st.integers(0, 1000), st.binary(min_size=1, max_size=200)).map(
            lambda p: (lambda base: base[: p[0]] + p[1] + base[p[0] + len(p[1]) :])(
                eml("multipart_attachment")
            )
        ),
    )
)
def test_any_bytes_make_a_record_never_an_exception(catalogue, settings_media, raw):
    with transaction.atomic():  # each example on its own: a failure does not poison the next
        record = mail_receive(raw=raw, door=InboundDoor.HTTP)
    assert record.outcome in InboundOutcome.values
    if record.outcome == InboundOutcome.REFUSED:
        assert record.reason


@pytest.fixture
def settings_media(_mail_settings):
    return _mail_settings
