from django.contrib.auth import views as auth_views
from django.urls import path

from zerocity.core.access import public
from zerocity.web import card_views as cv
from zerocity.web import data_views as dv
from zerocity.web import open_data_views as odv
from zerocity.web import plan_views as pv
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
    # the action plan: public
    path("<slug:city>/plan/", pv.plan_overview, name="plan"),
    path("<slug:city>/plan/actions/<str:code>/", pv.action_detail, name="plan_action"),
    path("<slug:city>/plan/indicators/", pv.indicators, name="plan_indicators"),
    path("<slug:city>/plan/investment/", pv.investment, name="plan_investment"),
    path("<slug:city>/plan/explorer/", pv.explorer, name="plan_explorer"),
    path("<slug:city>/plan/explorer.json", pv.explorer_data, name="plan_explorer_data"),
    # the action plan: staff
    path("<slug:city>/plan/manage/", pv.dashboard, name="plan_dashboard"),
    path("<slug:city>/plan/manage/actions/", pv.action_list, name="plan_actions"),
    path("<slug:city>/plan/manage/actions/<str:code>/", pv.action_edit,
         name="plan_action_edit"),
    path("<slug:city>/plan/manage/actions/<str:code>/milestone/", pv.action_milestone,
         name="plan_action_milestone"),
    path("<slug:city>/plan/manage/actions/<str:code>/status/", pv.action_status,
         name="plan_action_status"),
    path("<slug:city>/plan/manage/proposals/", pv.proposals, name="plan_proposals"),
    path("<slug:city>/plan/manage/proposals/<int:pk>/publish/", pv.proposal_publish,
         name="plan_proposal_publish"),
    path("<slug:city>/plan/manage/proposals/<int:pk>/reject/", pv.proposal_reject,
         name="plan_proposal_reject"),
    path("<slug:city>/plan/manage/indicators/", pv.indicator_entry,
         name="plan_indicator_entry"),
    path("<slug:city>/plan/manage/indicators/<int:pk>/", pv.indicator_observe,
         name="plan_indicator_observe"),
    path("<slug:city>/plan/manage/overdue/", pv.overdue, name="plan_overdue"),
    path("<slug:city>/plan/manage/budget/", pv.budget, name="plan_budget"),
    path("<slug:city>/plan/manage/excel/", pv.excel, name="plan_excel"),
    path("<slug:city>/plan/manage/periods/", pv.close_period, name="plan_close_period"),
    path("<slug:city>/plan/manage/periods/<str:period>.json", pv.snapshot_download,
         name="plan_snapshot"),
    # the data platform: staff
    path("<slug:city>/card/", cv.card_home, name="card_home"),
    path("<slug:city>/card/accounts/<int:pk>/top-up/", cv.card_top_up, name="card_top_up"),
    path("<slug:city>/card/media/<int:pk>/block/", cv.card_block, name="card_block"),
    path("<slug:city>/data/", odv.catalogue, name="open_data"),
    path("<slug:city>/data/datasets/<slug:key>/", odv.dataset, name="open_data_dataset"),
    path("<slug:city>/data/coverage/", dv.coverage, name="data_coverage"),
    path("<slug:city>/data/outputs/", dv.outputs, name="data_outputs"),
    path("<slug:city>/data/outputs/inventory/", dv.outputs_feed_inventory,
         name="data_feed_inventory"),
    path("<slug:city>/data/outputs/indicators/", dv.outputs_feed_indicators,
         name="data_feed_indicators"),
    path("<slug:city>/data/sources/", dv.sources, name="data_sources"),
    path("<slug:city>/data/sources/<slug:key>/tokens/", dv.token_issue,
         name="data_token_issue"),
    path("<slug:city>/data/sources/<slug:key>/tokens/<int:pk>/revoke/", dv.token_revoke,
         name="data_token_revoke"),
    path("<slug:city>/data/upload/", dv.upload, name="data_upload"),
    path("<slug:city>/data/batches/", dv.batches, name="data_batches"),
    path("<slug:city>/data/batches/<int:pk>/", dv.batch_detail, name="data_batch"),
    path("<slug:city>/data/batches/<int:pk>/quarantine.csv", dv.quarantine_download,
         name="data_quarantine"),
]
