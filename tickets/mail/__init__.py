"""Mail in: the SMTP listener and the HTTP endpoint, one service (docs/mail.md)."""
