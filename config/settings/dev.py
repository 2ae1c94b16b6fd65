"""Local use (`make run`): debug on, e-mail kept in the local outbox."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# __Host- cookies need Secure (HTTPS): plain names over http://127.0.0.1.
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SESSION_COOKIE_SECURE else "csrftoken"
# No message leaves the machine: staff read them in the back office outbox.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="crpv.core.mail.OutboxBackend")
# Demo accounts log in with a password only; production asks staff for a TOTP code.
CRPV_STAFF_2FA = env.bool("CRPV_STAFF_2FA", default=False)
CRPV_SITE_URL = env("CRPV_SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")
