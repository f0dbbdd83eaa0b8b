from django.contrib.auth import views as auth_views
from django.urls import path

from siyu.console.views import account, customers, imports, review, staff, tags, today

app_name = "console"
urlpatterns = [
    path("", today.today_page, name="home"),
    path("today/live/", today.today_live, name="today_live"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account.password_change, name="password_change"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/<int:pk>/password/", staff.staff_password_reset, name="staff_password_reset"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/reveal/", customers.reveal_pii, name="customer_reveal"),
    path("customers/<int:pk>/tags/", customers.customer_add_tag, name="customer_add_tag"),
    path(
        "customers/<int:pk>/tags/<int:tag_id>/remove/",
        customers.customer_remove_tag,
        name="customer_remove_tag",
    ),
    path("tags/", tags.tag_list, name="tag_list"),
    path("review/", review.review_queue, name="review"),
    path("review/flags/<int:pk>/resolve/", review.review_resolve, name="review_resolve"),
    path("review/merges/<int:pk>/undo/", review.review_unmerge, name="review_unmerge"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.csv", imports.import_errors_csv, name="import_errors"),
    path("imports/sample/<slug:kind>.csv", imports.import_sample_csv, name="import_sample"),
]
