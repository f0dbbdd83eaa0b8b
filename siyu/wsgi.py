"""The WSGI application every server runs (`siyu serve`, `siyu demo`, any other server).

Static files come from the installed apps through Django's handler: one process, no
collectstatic step, fine for one box; a reverse proxy can take over later. WeCom callbacks
are answered in front of Django (see ``siyu.integrations.wecom.callbacks.fast_path``).
"""

import atexit
import gc
import os

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
django_application = get_wsgi_application()

from siyu.integrations.wecom.callbacks import fast_path  # noqa: E402 - needs apps loaded

application = fast_path(StaticFilesHandler(django_application))

from django.urls import get_resolver  # noqa: E402

# Every view module and what it imports (the API's schemas, scipy for the CLV models: 2-3 s
# at start-up) loads now, when the worker starts, and not in the first request a person
# makes of each worker (the analytics overview took 4-5 s instead of 0.3 s that way).
get_resolver().url_patterns  # noqa: B018 - the property loads the URLconf

# What is loaded by now lives as long as the process: take it out of the garbage collector's
# reach, which otherwise walks all of Django and our modules on every older-generation pass
# (~7 % of a callback burst's CPU time), and, in forked workers, copies their pages.
# Given back at exit, so that the interpreter's last collection still finalises it all
# (extension modules such as duckdb's report leaks otherwise).
gc.freeze()
atexit.register(gc.unfreeze)
