from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from zerocity.api.app import api
from zerocity.web import engage_views, views

urlpatterns = [
    # every API operation (/api/v1/... and /ngsi-ld/v1/...) with its OpenAPI document
    path("", api.urls),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    # the address in a mail's List-Unsubscribe header: a mail program POSTs to it as it is,
    # without a language prefix (a redirect would drop the POST, RFC 8058)
    path("unsubscribe/<str:token>/", engage_views.unsubscribe, name="unsubscribe_one_click"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("zerocity.web.urls")),
    prefix_default_language=True,
)

# Refusals keep the site's layout and, when the address names a city, its navigation.
handler400 = "zerocity.web.error_views.bad_request"
handler403 = "zerocity.web.error_views.permission_denied"
handler404 = "zerocity.web.error_views.page_not_found"
