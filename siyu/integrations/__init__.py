"""Adapters to the outside world (WeCom, WeChat). Domain apps never import from here."""
