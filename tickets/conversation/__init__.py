"""The conversation on each ticket: public replies, internal notes, their attachments, and
the status changes a reply causes (docs/conversation.md).

Modules: `access` (who is what on a ticket, so who sees notes), `attachments` (content
checks), `uploads` (the per-file size limit while a request streams in), `services` (one
function per change), `selectors` (reads), `serializers`, `views`, `urls`."""
