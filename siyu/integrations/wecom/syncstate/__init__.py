"""Tables for WeCom full sync and nightly reconciliation (``wecom_sync``); it also schedules
transfer polling (the transfer tables are the ``transfers`` app's).

A separate app so its migrations never clash with the callback inbox's (``wecom``).
"""
