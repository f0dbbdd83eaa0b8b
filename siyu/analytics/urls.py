from django.urls import path

from siyu.analytics.views import channels, clv, cohorts, gmv, lift, overview

app_name = "analytics"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("gmv/", gmv.gmv_tree, name="gmv"),
    path("channels/", channels.channels, name="channels"),
    path("cohorts/", cohorts.cohorts, name="cohorts"),
    path("clv/", clv.clv, name="clv"),
    path("lift/", lift.lift, name="lift"),
]
