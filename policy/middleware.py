"""A profile that is missing or holds an invalid value answers every page with 503 and
says what to run, instead of a 500 on every department page (issue 8 §5: before the
schema, `offline_end_time: "25:99"` loaded and broke them all)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy.profile import ProfileMissing


class ProfileUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception
                          ) -> HttpResponse | None:
        if isinstance(exception, ProfileMissing):
            return render(request, "policy/profile_unavailable.html",
                          {"message": exception.message}, status=503)
        return None
