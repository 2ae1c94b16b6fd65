from django.conf import settings


def centre(request):
    """The centre's identity (name, logo, colours, contact) for every page."""
    return {"centre": settings.CRPV_CENTRE}
