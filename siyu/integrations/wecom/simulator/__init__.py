"""A WeCom corp in a box: the server API endpoints Siyu uses, token expiry, frequency
limits and signed, encrypted callbacks — for tests, the demo and `siyu wecom-sim`.

``Simulator`` lives in ``server.py``; ``demo.py`` starts one in-process for `siyu demo`.
"""
