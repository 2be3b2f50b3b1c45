"""From raw RFC 822 bytes to what the desk needs: sender, subject, the new text of the message,
its attachments and the headers that tell an auto-reply, a bounce or a loop.

The standard library's parser (policy.default) decodes headers (RFC 2047) and bodies in any
charset Python knows; a part whose charset is unknown or whose bytes do not decode is read
with replacement characters rather than refused, and a message whose text cannot be read at
all is refused (MailUndecodable). HTML-only mail is turned into text with inscriptis; quoted
history and signatures are stripped with mail-parser-reply."""

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from inscriptis import get_text
from inscriptis.model.config import ParserConfig
from mailparser_reply import EmailReplyParser

# The languages whose reply headers ("On ... wrote:", "Am ... schrieb:") and signatures the
# reply parser knows; the notifications go out in these (tickets/outbox/mail_texts.py).
REPLY_LANGUAGES = ["en", "fr", "it", "de"]
_TOKEN = r"[A-Za-z0-9_-]{16,64}"  # noqa: S105 - a pattern, not a secret


class MailUndecodable(ValueError):
    """The bytes are not a message the desk can read; the text says why."""


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content: bytes
    declared_type: str


@dataclass
class ParsedMail:
    message_id: str
    sender: str  # the From address, lower-cased
    sender_name: str
    subject: str
    text: str  # the whole text body (HTML converted), quotes and all
    reply: str  # the text the sender wrote: no quoted history, no signature
    attachments: list[MailAttachment]
    headers: EmailMessage  # for the screening (tickets/mail/screening.py)
    recipients: list[str] = field(default_factory=list)  # To, Cc, Delivered-To, envelope
    references: list[str] = field(default_factory=list)  # In-Reply-To and References ids


def mail_parse(raw: bytes, *, envelope_recipients: list[str] = ()) -> ParsedMail:
    """The message in ``raw``, or MailUndecodable naming what is wrong with it."""
    if not raw.strip():
        raise MailUndecodable("The message is empty.")
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        if message.defects and not message.keys():
            raise MailUndecodable("No header could be read: this is not an RFC 822 message.")
        sender_name, sender = _sender(message)
        subject = _header(message, "Subject")
        text = _text_body(message)
        reply = reply_strip(text)
        attachments = _attachments(message)
        # Case kept: the local part carries a case-sensitive token.
        recipients = list(envelope_recipients) + [
            address
            for _, address in getaddresses(
                [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
            )
            if address
        ]
        references = re.findall(
            r"<([^<>\s]+)>",
            " ".join(_header(message, name) for name in ("In-Reply-To", "References")),
        )
    except MailUndecodable:
        raise
    except Exception as failure:  # noqa: BLE001 - hostile input through three parsers
        # The stdlib parser is lenient; what still fails here (there, in inscriptis or in the
        # reply parser) is mail too broken to read, refused rather than a crash of the door.
        raise MailUndecodable(
            f"The message could not be decoded: {type(failure).__name__}: {failure}"[:500]
        ) from failure
    sender = text_storable(sender)
    if not sender:
        raise MailUndecodable("The message has no From address.")
    if len(sender) > 254:  # RFC 5321's limit, and the user model's email column
        raise MailUndecodable("The From address is longer than 254 characters.")
    return ParsedMail(
        message_id=text_storable(_header(message, "Message-ID")),
        sender=sender,
        sender_name=text_storable(sender_name),
        subject=text_storable(subject),
        text=text_storable(text),
        reply=text_storable(reply),
        attachments=attachments,
        headers=message,
        recipients=[text_storable(address) for address in recipients],
        references=[text_storable(reference) for reference in references],
    )


def text_storable(text: str) -> str:
    """Text PostgreSQL can store: no NUL characters, no lone surrogates (what the parser keeps
    of undecodable header bytes), no surrounding whitespace."""
    text = text.replace("\x00", "")
    return text.encode("utf-8", errors="replace").decode("utf-8").strip()


def _header(message: EmailMessage, name: str) -> str:
    """A header's decoded value ('' when absent or unreadable), on one line."""
    try:
        value = message.get(name)
    except (LookupError, ValueError, IndexError, AttributeError):
        value = ""  # a header too broken to parse counts as absent
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _sender(message: EmailMessage) -> tuple[str, str]:
    try:
        addresses = message["From"].addresses if message["From"] is not None else ()
    except (LookupError, ValueError, IndexError, AttributeError):
        addresses = ()
    if addresses:
        address: Address = addresses[0]
        return address.display_name, address.addr_spec.lower()
    name, address = parseaddr(_header(message, "From"))
    return name, address.lower() if "@" in address else ""


def _part_text(part: EmailMessage) -> str:
    """A text part's content in its declared charset; unknown charsets and bad bytes are read
    with replacement characters (the text mostly survives, as mail readers do)."""
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")


def _text_body(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _part_text(plain).replace("\r\n", "\n").strip()
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return html_to_text(_part_text(html))
    return ""


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: paragraphs, lists and links kept, scripts and styles
    dropped, no line wrapping (the ticket view wraps)."""
    # inscriptis (Apache-2.0) rather than html2text, whose GPL would bind the images we ship.
    return get_text(html, ParserConfig(display_links=True)).strip()


def reply_strip(text: str) -> str:
    """The newest reply of a message: mail-parser-reply drops the quoted history ("On ...
    wrote:", "> ..." lines, forwarded headers) and the signature."""
    if not text.strip():
        return ""
    replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=text).replies
    if not replies:
        return text.strip()
    newest = replies[0]
    # `body` is the reply without its signature; a reply that is all signature keeps it.
    return (newest.body or newest.content or "").strip() or text.strip()


def _attachments(message: EmailMessage) -> list[MailAttachment]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename()
        # Inline images of an HTML body (logos, signatures) are not attachments of the ticket.
        if disposition != "attachment" and (part["Content-ID"] or not name):
            continue
        content = part.get_payload(decode=True) or b""
        found.append(
            MailAttachment(
                name=text_storable(name or "") or "attachment",
                content=content,
                declared_type=part.get_content_type(),
            )
        )
    return found


def reply_tokens(mail: ParsedMail, *, domain: str) -> list[str]:
    """Reply tokens the message carries: in a reply+<token>@domain recipient (the Reply-To of
    our notifications) or an In-Reply-To/References id <token>@domain (their Message-ID)."""
    domain = re.escape(domain.lower())
    tokens = []
    for address in mail.recipients:
        if match := re.fullmatch(rf"reply\+({_TOKEN})@{domain}", address, flags=re.IGNORECASE):
            tokens.append(match[1])
    for reference in mail.references:
        if match := re.fullmatch(rf"({_TOKEN})@{domain}", reference, flags=re.IGNORECASE):
            tokens.append(match[1])
    return list(dict.fromkeys(tokens))
