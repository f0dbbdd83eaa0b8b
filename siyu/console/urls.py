from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from siyu.console.views import (
    account,
    channels,
    customers,
    imports,
    review,
    spend,
    staff,
    tags,
    welcome,
)

app_name = "console"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:customer_list"), name="home"),
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
    path("channels/codes/", channels.code_list, name="channel_codes"),
    path("channels/codes/new/", channels.code_new, name="channel_code_new"),
    path("channels/codes/<int:pk>/", channels.code_edit, name="channel_code_edit"),
    path("channels/codes/<int:pk>/retire/", channels.code_retire, name="channel_code_retire"),
    path("channels/codes/<int:pk>/qr.png", channels.code_qr, name="channel_code_qr"),
    path("channels/new/", channels.channel_new, name="channel_new"),
    path("channels/welcome/", welcome.variant_list, name="welcome_variants"),
    path("channels/welcome/new/", welcome.variant_new, name="welcome_variant_new"),
    path("channels/welcome/<int:pk>/", welcome.variant_edit, name="welcome_variant_edit"),
    path("channels/welcome/preview/", welcome.variant_preview, name="welcome_variant_preview"),
    path("channels/covers/<str:key>", welcome.cover_image, name="welcome_cover"),
    path("channels/spend/", spend.spend_page, name="channel_spend"),
    path("channels/spend/sample.csv", spend.spend_sample, name="channel_spend_sample"),
]
