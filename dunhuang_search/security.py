"""Request checks that hold for every view: a NUL character in the path or the query string
is refused with a JSON 400 before any view runs (PostgreSQL text cannot hold NUL, so such a
value would otherwise reach a query and fail there as a 500). Form bodies are left to the
views' forms: reading them here would parse an upload before its size is checked."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

NUL = "\x00"


def nul_in_query(request: HttpRequest) -> str | None:
    """The name of the first query parameter holding a NUL (in its name or a value)."""
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "\\x00")
    return None


class RefuseNulMiddleware:
    """Views that check every parameter for control characters themselves, and answer in
    their own form (search names the parameter on its page), set `checks_control_characters`
    (on the function, or on the class of a class-based view) and are left to do so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            return refusal("the path contains a NUL character")
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "view_class", None)
        if getattr(view_func, "checks_control_characters", False) or getattr(
            view_class, "checks_control_characters", False
        ):
            return None
        name = nul_in_query(request)
        if name is not None:
            return refusal(f"{name}: the value contains a NUL character")
        return None


def refusal(message: str) -> JsonResponse:
    return JsonResponse({"error": message, "status": 400}, status=400)
