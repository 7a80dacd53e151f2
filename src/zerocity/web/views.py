from django.http import HttpRequest, HttpResponse

from zerocity.core.access import public


@public
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
