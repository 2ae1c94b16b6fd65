"""Serving uploaded files through the application, which checks who may read them.

Nothing under MEDIA_ROOT is served directly (docs/deploiement.md): staff-only
attachments, contact imports and their error files hold personal or
unpublished data. Each app has a view that finds the object owning the file,
checks access, then calls `serve_file`.
"""

import mimetypes
import posixpath

from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# Types a browser may show in the page; anything else is downloaded.
INLINE_TYPES = {
    "application/pdf",
    "audio/mpeg",
    "audio/ogg",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/plain",
    "video/mp4",
    "video/webm",
}


def file_name(field_file):
    """The name shown in the URL and offered when saving: the stored file's base name."""
    return posixpath.basename(field_file.name)


def refuse(request):
    """Not allowed: anonymous visitors are sent to the login page, others get a 404 (nothing is revealed)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404("Ce fichier n'existe pas.")


def serve_owned_file(request, field_file, name, *, public, permission):
    """What every owner's file view does: 404 unless `name` is the file's, then serve it to anyone when
    `public`, to users with `permission` otherwise (anonymous visitors go to the login page)."""
    if not field_file or file_name(field_file) != name:
        raise Http404("Ce fichier n'existe pas.")
    if not public and not request.user.has_perm(permission):
        return refuse(request)
    return serve_file(field_file, public=public)


def serve_file(field_file, *, public):
    """A streamed response for a stored file; 404 when the file is missing from the storage.

    A served file never runs in the site's origin: `sandbox` CSP (an HTML or
    SVG upload cannot script the site; PDFs excepted, see below), nosniff, and a download for every
    type outside `INLINE_TYPES`. Public files may be cached; others not.
    """
    if not field_file:
        raise Http404("Ce fichier n'existe pas.")
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("Ce fichier n'est plus disponible.") from error
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(
        handle,
        as_attachment=content_type not in INLINE_TYPES,
        filename=file_name(field_file),
        content_type=content_type,
    )
    if content_type == "application/pdf":
        # Chromium's PDF viewer refuses sandboxed documents; it runs no script of the site's origin.
        response._csp_exempt = True
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


class ProtectedFieldFile(FieldFile):
    """A stored file whose `url` is its owner's access-checked view (`instance.get_file_url()`), never MEDIA_URL."""

    @property
    def url(self):
        self._require_file()
        return self.instance.get_file_url()


class ProtectedFileField(models.FileField):
    """A FileField for files served by a view of the owning model (the admin's links then work too)."""

    attr_class = ProtectedFieldFile
