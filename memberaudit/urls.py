"""URLs of Member Audit (mounted under /member-audit/ by auth_hooks)."""

from django.urls import path

from .views import exports, finder, intel, launcher, reports, skillsets, viewer, watchlists

app_name = "memberaudit"

urlpatterns = [
    path("", launcher.launcher, name="launcher"),
    path("add-character/", launcher.add_character, name="add_character"),
    path("character/<int:character_pk>/", viewer.character_viewer, name="character_viewer"),
    path("character/<int:character_pk>/tab/<slug:section>/", viewer.character_tab, name="character_tab"),
    path("character/<int:character_pk>/table/<slug:table>/", viewer.character_table, name="character_table"),
    path(
        "character/<int:character_pk>/detail/<slug:kind>/<int:pk>/",
        viewer.character_detail,
        name="character_detail",
    ),
    path("character/<int:character_pk>/chart/<slug:chart>/", viewer.character_chart, name="character_chart"),
    path(
        "character/<int:character_pk>/skill-sets/",
        skillsets.character_skill_sets,
        name="character_skill_sets",
    ),
    path(
        "character/<int:character_pk>/skill-sets/data/",
        skillsets.character_skill_sets_data,
        name="character_skill_sets_data",
    ),
    path("finder/", finder.finder, name="finder"),
    path("finder/data/", finder.finder_data, name="finder_data"),
    path("reports/", reports.reports, name="reports"),
    path("reports/user-compliance/data/", reports.user_compliance_data, name="report_user_compliance_data"),
    path("reports/user-compliance/csv/", reports.user_compliance_csv, name="report_user_compliance_csv"),
    path(
        "reports/corporation-compliance/data/",
        reports.corporation_compliance_data,
        name="report_corporation_compliance_data",
    ),
    path(
        "reports/corporation-compliance/csv/",
        reports.corporation_compliance_csv,
        name="report_corporation_compliance_csv",
    ),
    path("reports/skill-sets/data/", reports.skill_sets_data, name="report_skill_sets_data"),
    path("reports/skill-sets/csv/", reports.skill_sets_csv, name="report_skill_sets_csv"),
    path("exports/", exports.exports_page, name="exports"),
    path("exports/status/", exports.export_status, name="export_status"),
    path("exports/<slug:topic>/generate/", exports.export_generate, name="export_generate"),
    path("exports/<slug:topic>/download/", exports.export_download, name="export_download"),
    path("intel/", intel.intel_report, name="intel_report"),
    path("intel/report/data/", intel.intel_report_data, name="intel_report_data"),
    path("intel/report/csv/", intel.intel_report_csv, name="intel_report_csv"),
    path("intel/investigate/", intel.intel_investigate, name="intel_investigate"),
    path("intel/investigate/data/", intel.intel_investigate_data, name="intel_investigate_data"),
    path("intel/assets/", intel.intel_assets, name="intel_assets"),
    path("intel/assets/data/", intel.intel_assets_data, name="intel_assets_data"),
    path("intel/where/", intel.intel_where, name="intel_where"),
    path("intel/where/data/", intel.intel_where_data, name="intel_where_data"),
    path("intel/watch-lists/", watchlists.watch_lists, name="intel_watch_lists"),
    path("intel/watch-lists/<int:list_pk>/", watchlists.watch_list, name="intel_watch_list"),
    path(
        "intel/watch-lists/<int:list_pk>/delete/",
        watchlists.watch_list_delete,
        name="intel_watch_list_delete",
    ),
    path("intel/watch-lists/<int:list_pk>/add/", watchlists.watch_list_add, name="intel_watch_list_add"),
    path(
        "intel/watch-lists/<int:list_pk>/import/",
        watchlists.watch_list_import,
        name="intel_watch_list_import",
    ),
    path(
        "intel/watch-lists/<int:list_pk>/entries/<int:entry_pk>/remove/",
        watchlists.watch_list_remove_entry,
        name="intel_watch_list_remove_entry",
    ),
    path(
        "intel/watch-lists/<int:list_pk>/subscribe/",
        watchlists.watch_list_subscribe,
        name="intel_watch_list_subscribe",
    ),
    path("intel/watch-lists/<int:list_pk>/sync/", watchlists.watch_list_sync, name="intel_watch_list_sync"),
    path("character/<int:character_pk>/share/", launcher.share_character, name="share_character"),
    path("character/<int:character_pk>/unshare/", launcher.unshare_character, name="unshare_character"),
    path("character/<int:character_pk>/remove/", launcher.remove_character, name="remove_character"),
]
