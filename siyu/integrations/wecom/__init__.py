"""WeCom (企业微信) adapter: callback crypto, callback inbox and event processing, API client."""
