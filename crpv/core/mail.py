"""E-mail backend that keeps every message in the database (`make run`).

Staff read them in the back office ("boîte d'envoi locale"); nothing leaves
the machine. Production sets EMAIL_BACKEND to Django's SMTP backend.
"""

from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from crpv.core.models import OutboxMessage

        count = 0
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []) or []:
                if mimetype == "text/html":
                    html = content
            OutboxMessage.objects.create(
                subject=message.subject,
                from_email=message.from_email,
                to=", ".join(message.recipients()),
                body=message.body,
                html=html,
                raw=message.message().as_string(),
            )
            count += 1
        return count
