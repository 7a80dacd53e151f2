from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from zerocity.api.routes import api
from zerocity.data import api as data_api
from zerocity.web import views

urlpatterns = [
    path("api/v1/data/readings", data_api.readings, name="data_readings"),
    path("ngsi-ld/v1/entities", data_api.ngsi_create, name="ngsi_create"),
    path("ngsi-ld/v1/entityOperations/upsert", data_api.ngsi_upsert, name="ngsi_upsert"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("zerocity.web.urls")),
    prefix_default_language=True,
)
