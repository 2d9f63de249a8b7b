"""Small middleware of our own. Django and django-csp send the other security headers."""

# Browser features no page of the platform uses: a page (or an injected script) cannot ask for
# them. Extend the list here, never per view, when a feature is needed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
