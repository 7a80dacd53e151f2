from django.contrib.auth import views as auth_views
from django.urls import path

from zerocity.core.access import public
from zerocity.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        public(auth_views.LoginView.as_view(template_name="web/login.html")),
        name="login",
    ),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("<slug:city>/inventory/", views.inventory_latest, name="inventory_latest"),
    path("<slug:city>/inventory/import/", views.inventory_import, name="inventory_import"),
    path("<slug:city>/inventory/rejected/<int:pk>/", views.rejected_download,
         name="rejected_download"),
    path("<slug:city>/inventory/<int:year>/", views.inventory_year, name="inventory_year"),
    path(
        "<slug:city>/inventory/<int:year>/download/<slug:fmt>/",
        views.inventory_download,
        name="inventory_download",
    ),
    path(
        "<slug:city>/inventory/<int:year>/publish/",
        views.inventory_publish,
        name="inventory_publish",
    ),
]
