// The chat sidebar: sign the page for WeCom's JS-SDK, run wx.config + wx.agentConfig, ask
// the client which customer (or group) this chat is with, load that panel, and send a
// material into the chat with sendChatMessage when a Send button is tapped.
(function () {
  "use strict";
  var root = document.getElementById("sidebar");
  if (!root) { return; }
  var status = document.getElementById("status");
  var panel = document.getElementById("panel");
  var pageUrl = location.href.split("#")[0];
  var csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken": "([^"]+)"/);
  var context = { customer: "", chatId: "" };
  function say(text) { status.textContent = text; }
  function load(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        panel.innerHTML = html;
        if (window.htmx) { window.htmx.process(panel); }
        var c = panel.querySelector("[data-customer-id]");
        context.customer = c ? c.getAttribute("data-customer-id") : "";
        say("");
      });
  }
  function current() {
    wx.invoke("getCurExternalContact", {}, function (res) {
      if (/:ok$/.test(res.err_msg)) {
        load(root.dataset.customer + "?external_userid=" + encodeURIComponent(res.userId));
        return;
      }
      wx.invoke("getCurExternalChat", {}, function (chat) {
        if (/:ok$/.test(chat.err_msg)) {
          context.chatId = chat.chatId;
          load(root.dataset.group + "?chat_id=" + encodeURIComponent(chat.chatId));
        } else {
          say(res.err_msg);
        }
      });
    });
  }
  function send(button) {
    var body = new URLSearchParams({ material: button.getAttribute("data-material") });
    if (context.customer) { body.set("customer", context.customer); }
    if (context.chatId) { body.set("chat_id", context.chatId); }
    button.disabled = true;
    fetch(root.dataset.send, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf ? csrf[1] : "" }
    }).then(function (r) { return r.json(); }).then(function (args) {
      wx.invoke("sendChatMessage", args, function (res) {
        var sent = /:ok$/.test(res.err_msg);
        button.disabled = false;
        status.setAttribute("data-state", sent ? "sent" : "failed");
        say(sent ? root.dataset.tSent : root.dataset.tFailed + " " + res.err_msg);
      });
    }, function () { button.disabled = false; say(root.dataset.tFailed); });
  }
  panel.addEventListener("click", function (e) {
    var button = e.target.closest("button.send");
    if (button) { send(button); }
  });
  if (!window.wx) { say(root.dataset.tNosdk); return; }
  fetch(root.dataset.config + "?url=" + encodeURIComponent(pageUrl), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      if (c.error) { say(c.error); return; }
      wx.config({ beta: true, debug: false, appId: c.corpid, timestamp: c.timestamp,
                  nonceStr: c.nonceStr, signature: c.signature, jsApiList: [] });
      wx.agentConfig({
        corpid: c.corpid, agentid: c.agentid, timestamp: c.timestamp, nonceStr: c.nonceStr,
        signature: c.agentSignature,
        jsApiList: ["getCurExternalContact", "getCurExternalChat", "sendChatMessage", "getContext"],
        success: current,
        fail: function (res) { say(res.err_msg || res.errMsg || "agentConfig failed"); }
      });
    });
}());
