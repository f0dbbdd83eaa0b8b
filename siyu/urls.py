from django.urls import include, path

from siyu.api import api

urlpatterns = [
    path("api/", api.urls),
    path("wecom/", include("siyu.integrations.wecom.urls")),
    path("wechat/", include("siyu.integrations.wechat.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("segments/", include("siyu.segments.urls")),
    path("analytics/", include("siyu.analytics.urls")),
    path("api-keys/", include("siyu.access.urls")),
    path("member/", include("siyu.loyalty.urls")),
    path("r/", include("siyu.content.urls")),
    path("", include("siyu.console.urls")),
]
