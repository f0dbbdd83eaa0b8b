// The member centre H5 page: everything through /api/member/ with the member reference
// from the URL fragment (#ref=…), kept in sessionStorage for reloads.
(function () {
  "use strict";
  const root = document.getElementById("member");
  const t = root.dataset;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("ref");
  if (fromHash) {
    sessionStorage.setItem("siyu-member-ref", fromHash);
    history.replaceState(null, "", location.pathname);
  }
  const ref = sessionStorage.getItem("siyu-member-ref");
  const $ = (id) => document.getElementById(id);

  function call(path, body) {
    const options = { headers: { "X-Member-Ref": ref || "" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(t.api + path, options).then((r) =>
      r.json().then((data) => ({ ok: r.ok, status: r.status, data: data }))
    );
  }

  function row(list, left, right, cls) {
    const li = document.createElement("li");
    const a = document.createElement("span");
    a.textContent = left;
    li.appendChild(a);
    if (right !== undefined) {
      const b = document.createElement("span");
      b.textContent = right;
      if (cls) b.className = cls;
      li.appendChild(b);
    }
    list.appendChild(li);
    return li;
  }

  function clear(list) {
    while (list.firstChild) list.removeChild(list.firstChild);
  }

  function loadProfile() {
    return call("profile").then((r) => {
      if (!r.ok) return;
      const p = r.data;
      $("name").textContent = p.display_name;
      $("tier").textContent = p.tier ? p.tier.name : "";
      const perks = $("perks");
      const labels = perks.dataset;
      clear(perks);
      if (p.discount_percent < 100) row(perks, labels.tDiscount, (p.discount_percent / 10) + "折");
      if (p.free_shipping) row(perks, labels.tShipping, "✓");
      if (p.priority_purchase) row(perks, labels.tPriority, "✓");
      if (p.exclusive_service) row(perks, labels.tService, "✓");
      if (p.points_multiplier !== 100) row(perks, labels.tMultiplier, "×" + p.points_multiplier / 100);
      clear($("plans"));
      p.plans.forEach((name) => row($("plans"), name, "✓"));
    });
  }

  function loadPoints() {
    return call("points").then((r) => {
      if (!r.ok) return;
      $("balance").textContent = r.data.balance;
      $("pending").textContent = r.data.pending ? "+" + r.data.pending + " " + t.tPoints + " …" : "";
      const list = $("expiring");
      clear(list);
      r.data.expiring.forEach((e) => row(list, e.points + " " + t.tPoints, t.tExpires + " " + e.day));
    });
  }

  function loadLedger() {
    return call("ledger?limit=30").then((r) => {
      if (!r.ok) return;
      const list = $("ledger");
      clear(list);
      r.data.forEach((e) => {
        const sign = e.points > 0 ? "+" : "";
        row(list, (e.reason || e.kind) + " · " + e.created_at.slice(0, 10), sign + e.points,
            e.points >= 0 ? "plus" : "minus");
      });
    });
  }

  function loadMall() {
    return call("mall").then((r) => {
      if (!r.ok) return;
      const list = $("mall");
      clear(list);
      r.data.forEach((item) => {
        const li = row(list, item.name + " · " + item.points_cost + " " + t.tPoints);
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = t.tRedeem;
        button.disabled = item.stock <= 0;
        button.addEventListener("click", () => redeem(item, button));
        li.appendChild(button);
      });
    });
  }

  function redeem(item, button) {
    button.disabled = true;
    const key = "h5-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    call("redeem", { item_id: item.id, quantity: 1, key: key }).then((r) => {
      $("checkin-note").textContent = r.ok ? t.tRedeemed + " " + item.name : (r.data.detail || t.tError);
      button.disabled = false;
      refresh();
    });
  }

  function refresh() {
    return Promise.all([loadProfile(), loadPoints(), loadLedger(), loadMall()]);
  }

  $("checkin").addEventListener("click", () => {
    $("checkin").disabled = true;
    call("checkin", {}).then((r) => {
      if (r.ok) {
        $("checkin-note").textContent = t.tChecked + " · " + r.data.streak + " " + t.tStreak +
          (r.data.points ? " · +" + r.data.points : "");
      } else {
        $("checkin-note").textContent = t.tError;
        $("checkin").disabled = false;
      }
      refresh();
    });
  });

  // The campaigns part of the page (member_campaigns.js) calls through the same reference.
  window.SiyuMember = { call: call, row: row, clear: clear, signedIn: Boolean(ref) };

  if (!ref) {
    $("login-note").textContent = t.tLogin;
    $("login-note").hidden = false;
    $("checkin").disabled = true;
    return;
  }
  refresh();
})();
