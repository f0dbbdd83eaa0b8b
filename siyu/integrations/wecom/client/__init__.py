"""WeCom server-API client (package). ``api.WeComClient`` is the entry point.

Kept import-free here: Django imports this package while loading apps (it is the
``wecom_client`` app holding the shared token, rate-window and media-cache tables), before
models may be imported.
"""
