class PrivatePagesNotCachedMiddleware:
    """Pages seen by a logged-in person are never kept by a shared or browser cache.

    Back-office pages show personal data; `Cache-Control: no-store` keeps them out
    of proxies and of the browser's history cache (ASVS 14.3.2).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
