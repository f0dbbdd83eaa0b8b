from __future__ import annotations

import httpx

from siyu.integrations.wechat.simulator import WechatSimulator


def test_wsgi_app_speaks_the_same_protocol() -> None:
    """What waitress would serve: the same answers over WSGI as over MockTransport."""
    sim = WechatSimulator("wxmp", "mpsecret", "wxoa", "oasecret")
    code = sim.issue_code("openid-w", "union-w")
    with httpx.Client(transport=httpx.WSGITransport(app=sim.wsgi), base_url="http://sim") as c:
        params = {"appid": "wxmp", "secret": "mpsecret", "js_code": code}
        ok = c.get("/sns/jscode2session", params={**params, "grant_type": "authorization_code"})
        again = c.get("/sns/jscode2session", params={**params, "grant_type": "authorization_code"})
        bad_secret = c.get("/cgi-bin/token", params={"appid": "wxoa", "secret": "nope"})
    assert ok.json()["openid"] == "openid-w"
    assert ok.json()["unionid"] == "union-w"
    assert again.json()["errcode"] == 40029  # codes are single-use
    assert bad_secret.json()["errcode"] == 40125
