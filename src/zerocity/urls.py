from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from zerocity.api.routes import api
from zerocity.card import api as card_api
from zerocity.data import api as data_api
from zerocity.web import views

urlpatterns = [
    path("api/v1/data/readings", data_api.readings, name="data_readings"),
    path("ngsi-ld/v1/entities", data_api.ngsi_create, name="ngsi_create"),
    path("ngsi-ld/v1/entityOperations/upsert", data_api.ngsi_upsert, name="ngsi_upsert"),
    path("api/v1/card/taps", card_api.tap, name="card_tap"),
    path("api/v1/card/taps/batch", card_api.tap_batch, name="card_tap_batch"),
    path("api/v1/card/denylist", card_api.deny_list, name="card_denylist"),
    path("api/v1/card/rules", card_api.rules, name="card_rules"),
    path("api/v1/card/redemptions", card_api.redemption, name="card_redemption"),
    path("api/v1/card/accounts/<int:pk>/top-ups", card_api.top_up, name="card_api_top_up"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("zerocity.web.urls")),
    prefix_default_language=True,
)
