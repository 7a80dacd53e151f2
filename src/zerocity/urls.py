from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from zerocity.api.app import api
from zerocity.web import views

urlpatterns = [
    # every API operation (/api/v1/... and /ngsi-ld/v1/...) with its OpenAPI document
    path("", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("zerocity.web.urls")),
    prefix_default_language=True,
)

# Refusals keep the site's layout and, when the address names a city, its navigation.
handler403 = "zerocity.web.error_views.permission_denied"
handler404 = "zerocity.web.error_views.page_not_found"
