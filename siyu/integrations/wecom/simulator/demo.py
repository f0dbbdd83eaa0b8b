"""Start the simulator in-process for `siyu demo`.

Call ``start_demo_simulator()`` after Django is set up and before the web server starts;
then point the WeCom client at it with ``SIYU_WECOM_API_BASE=<returned url>`` (set in the
environment before the worker is spawned, so the worker process uses it too). Staff come
from the Staff table (their wecom_userid); the corp and callback keys from settings, which
the demo autogenerates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError

from siyu.core.models import Staff
from siyu.integrations.wecom.simulator.server import RunningServer, Simulator, start_server
from siyu.integrations.wecom.simulator.testing import DEMO_STAFF


def demo_simulator(callback_url: str) -> Simulator:
    sim = Simulator(
        settings.SIYU_WECOM_CORP_ID,
        settings.SIYU_WECOM_SECRET,
        callback_token=settings.SIYU_WECOM_TOKEN,
        aes_key=settings.SIYU_WECOM_AES_KEY,
        callback_url=callback_url,
    )
    try:
        userids = list(
            Staff.objects.exclude(wecom_userid=None).values_list("wecom_userid", flat=True)
        )
    except DatabaseError:  # `siyu wecom-sim` on a data directory never migrated
        userids = []
    # An empty database (no demo brand yet) still gets the demo brand's named staff.
    sim.add_staff(*([u for u in userids if u] or DEMO_STAFF))
    return sim


def start_demo_simulator(
    port: int = 8900, callback_url: str = "http://127.0.0.1:8000/wecom/callback/"
) -> tuple[Simulator, RunningServer]:
    sim = demo_simulator(callback_url)
    return sim, start_server(sim, port=port)


def upload_demo_covers() -> dict[str, int]:
    """The in-process simulator starts empty every time, so media ids cached by an earlier
    run mean nothing to it: forget them and upload the welcome covers before customers
    arrive (the worker's hourly job keeps them fresh from then on)."""
    from siyu.integrations.wecom.client.models import MediaUpload
    from siyu.integrations.wecom.media import prepare_welcome_media
    from siyu.integrations.wecom.transport import wecom_client

    MediaUpload.objects.filter(corp_id=settings.SIYU_WECOM_CORP_ID).delete()
    return prepare_welcome_media(wecom_client())
