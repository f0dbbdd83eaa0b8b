"""Analytics reads customers, orders, events and channel spend
(siyu.channels.models.ChannelSpend). Its one table keeps the fitted CLV models, which take
seconds to a minute to fit at a million customers and so are fitted by the worker."""

from __future__ import annotations

from django.db import models


class ClvFit(models.Model):
    """The BG/NBD and Gamma-Gamma parameters fitted on one scope's orders up to ``until``.

    One row per (scope, until). A page scores the customers with the newest fitted
    parameters of its scope; fitting again is requested when they are older than the
    refit interval (siyu.analytics.clv.fits)."""

    # sha256 of the org-unit ids the scope covers ("all" for every customer).
    scope_key = models.CharField(max_length=64)
    units = models.JSONField(null=True)  # the ids themselves, for the worker; null: all
    until = models.DateField()  # the calibration end (exclusive), as the page's period end
    params = models.JSONField(null=True)  # {"bg": {r, alpha, a, b}, "gg": {p, q, v} | null}
    # What the page shows, computed with the fit for a large scope: {"top": [[customer id,
    # repeat purchases, P(alive), expected 90 d, CLV fen | null], …], "bands": [4 counts]}.
    outputs = models.JSONField(null=True)
    problem = models.TextField(blank=True, default="")  # why no model could be fitted
    customers = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(null=True)
    fit_seconds = models.FloatField(default=0.0)
    # Set when a fit is asked for, cleared when it ends: one request at a time per row.
    requested_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "until"], name="clvfit_scope_until")
        ]
        indexes = [models.Index(fields=["scope_key", "-fitted_at"], name="clvfit_newest")]
