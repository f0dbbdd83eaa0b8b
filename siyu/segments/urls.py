from django.urls import path

from siyu.segments import layering_views, views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_edit, name="new"),
    path("count/", views.segment_count, name="count"),
    path("convert/", views.segment_convert, name="convert"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_edit, name="edit"),
    path("<int:pk>/refresh/", views.segment_refresh, name="refresh"),
    path("<int:pk>/snapshot/", views.segment_snapshot, name="snapshot"),
    path("<int:pk>/export.csv", views.segment_export, name="export"),
    path("layering/", layering_views.layering_page, name="layering"),
    path("layering/<slug:table>.csv", layering_views.layering_csv, name="layering_csv"),
]
