"""The settings `siyu demo` sets before Django loads, so the web process and the worker talk
to the WeCom simulator exactly as they would to WeCom: by configuration."""

from __future__ import annotations

import os


def point_at_simulator(port: int, wecom_port: int) -> str:
    """Set the demo's environment (values already set win); returns the callback URL."""
    callback_url = f"http://127.0.0.1:{port}/wecom/callback/"
    os.environ.setdefault("SIYU_WECOM_API_BASE", f"http://127.0.0.1:{wecom_port}")
    os.environ.setdefault("SIYU_WECOM_CALLBACK_URL", callback_url)
    # The chat sidebar loads the simulator's stand-in for WeCom's JS-SDK; tracked links
    # point at this server.
    os.environ.setdefault("SIYU_WECOM_JSSDK_URLS", f"http://127.0.0.1:{wecom_port}/sim/jwxwork.js")
    os.environ.setdefault("SIYU_PUBLIC_URL", f"http://127.0.0.1:{port}")
    os.environ.setdefault("SIYU_HTTPS", "0")  # plain HTTP on 127.0.0.1: no Secure cookies, HSTS
    return callback_url
