"""Tables for WeCom full sync, nightly reconciliation and customer transfers (``wecom_sync``).

A separate app so its migrations never clash with the callback inbox's (``wecom``).
"""
