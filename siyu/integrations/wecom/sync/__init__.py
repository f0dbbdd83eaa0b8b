"""Pulling WeCom's view into ours: full sync (resumable) and nightly reconciliation.

Callbacks keep us current incrementally; these repair whatever callbacks missed (the
service was down past WeCom's retries, or the data predates the integration).
"""
