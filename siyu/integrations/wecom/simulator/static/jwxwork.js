// The simulator's stand-in for WeCom's JS-SDK (jweixin + jwxwork): the same calls a sidebar
// page makes inside the WeCom client, answered by the WeCom simulator that served this file.
// agentConfig is checked there with WeCom's signature algorithm; every later call needs it.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : "";
  var pageUrl = function () { return location.href.split("#")[0]; };
  var config = null;
  function call(action, data) {
    return fetch(base + "/sim/client/" + action, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(data)
    }).then(function (r) { return r.json(); });
  }
  function ok(res) { return /:ok$/.test(res.err_msg || ""); }
  window.wx = {
    config: function (options) { config = options; },
    ready: function (cb) { if (cb) { cb(); } },
    error: function () {},
    agentConfig: function (options) {
      var c = config || {};
      call("agent_config", {
        url: pageUrl(),
        config: { corpid: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature },
        agent: { corpid: options.corpid, agentid: options.agentid, timestamp: options.timestamp,
                 nonceStr: options.nonceStr, signature: options.signature }
      }).then(function (res) {
        if (ok(res)) { if (options.success) { options.success(res); } }
        else if (options.fail) { options.fail(res); }
      }, function (err) { if (options.fail) { options.fail({ err_msg: String(err) }); } });
    },
    invoke: function (api, args, cb) {
      call("invoke", { url: pageUrl(), api: api, args: args || {} }).then(function (res) {
        if (cb) { cb(res); }
      }, function (err) { if (cb) { cb({ err_msg: api + ":fail " + err }); } });
    }
  };
}());
