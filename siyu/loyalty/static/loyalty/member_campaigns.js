// The member centre's campaigns: coupons (mine, claimable, claim, claim by code), the lucky
// draw (published odds, draw, result), group buys (start, join, progress) and flash sales
// (reserve within the per-person cap), all through /api/member/campaigns/.
(function () {
  "use strict";
  const m = window.SiyuMember;
  if (!m || !m.signedIn) return;
  const $ = (id) => document.getElementById(id);
  const zone = $("member").dataset.zone || "Asia/Shanghai";
  const lang = document.documentElement.lang || "zh-hans";
  const yuan = (fen) => "¥" + (fen / 100).toFixed(fen % 100 ? 2 : 0);
  const when = (iso) =>
    new Date(iso).toLocaleString(lang.startsWith("en") ? "en-GB" : "zh-CN", {
      timeZone: zone, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
    });
  const failed = (r, fallback) => (r.data && r.data.detail) || fallback;
  const key = () => "h5-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);

  function button(label, onClick, disabled) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.disabled = Boolean(disabled);
    b.addEventListener("click", () => {
      b.disabled = true;
      onClick(b);
    });
    return b;
  }

  // Coupons ----------------------------------------------------------------------------
  const ct = $("coupons").dataset;

  function loadCoupons() {
    return m.call("campaigns/coupons").then((r) => {
      if (!r.ok) return;
      const mine = $("my-coupons");
      const offers = $("claimable");
      m.clear(mine);
      m.clear(offers);
      r.data.mine.forEach((c) => {
        const until = c.expires_at ? ct.tUntil + " " + when(c.expires_at) : "";
        m.row(mine, c.name + (c.code ? " · " + c.code : ""), until);
      });
      if (!r.data.mine.length) m.row(mine, ct.tNone);
      r.data.claimable.forEach((c) => {
        m.row(offers, c.name).appendChild(button(ct.tClaim, () => claim(c.id)));
      });
    });
  }

  function claimed(r) {
    $("coupon-note").textContent = r.ok ? ct.tClaimed + ": " + r.data.name : failed(r, "");
    return loadCoupons();
  }

  function claim(couponId) {
    return m.call("campaigns/coupons/" + couponId + "/claim", {}).then(claimed);
  }

  $("code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = $("coupon-code").value.trim();
    if (!code) return;
    m.call("campaigns/coupons/claim-code", { code: code }).then(claimed);
  });

  // Lucky draw -------------------------------------------------------------------------
  const lt = $("lotteries").dataset;
  const results = {}; // lottery id → the last draw's result, kept across reloads of the list

  function showOdds(box, lotteryId) {
    return m.call("campaigns/lotteries/" + lotteryId).then((r) => {
      if (!r.ok) return;
      const list = document.createElement("ul");
      list.className = "odds";
      r.data.odds.forEach((o) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        const odds = document.createElement("span");
        name.textContent = o.name + (o.value_fen ? " (" + yuan(o.value_fen) + ")" : "");
        odds.textContent = o.consolation
          ? lt.tConsolation
          : (o.probability * 100).toFixed(1) + "% · " + o.stock + " " + lt.tStock;
        li.append(name, odds);
        list.appendChild(li);
      });
      box.appendChild(list);
    });
  }

  function drawOnce(lottery) {
    m.call("campaigns/lotteries/" + lottery.id + "/draw", {}).then((r) => {
      if (r.ok) {
        results[lottery.id] = r.data.prize ? lt.tWon + ": " + r.data.prize : lt.tNothing;
        $("lottery-note").textContent = "";
      } else {
        $("lottery-note").textContent = failed(r, "");
      }
      loadLotteries();
    });
  }

  function loadLotteries() {
    return m.call("campaigns/lotteries").then((r) => {
      if (!r.ok) return;
      const list = $("lottery-list");
      m.clear(list);
      r.data.forEach((lottery) => {
        const box = document.createElement("div");
        box.className = "lottery";
        const title = document.createElement("p");
        title.textContent = lottery.name + " · " + lottery.drawn + "/" + lottery.draws_total +
          " " + lt.tUsed;
        const result = document.createElement("p");
        result.className = "result";
        result.setAttribute("role", "status");
        result.textContent = results[lottery.id] || "";
        const done = lottery.drawn >= lottery.draws_total;
        box.append(title);
        showOdds(box, lottery.id).then(() => {
          box.append(button(lt.tDraw, () => drawOnce(lottery), done), result);
        });
        list.appendChild(box);
      });
    });
  }

  // Group buys -------------------------------------------------------------------------
  const gt = $("groupbuys").dataset;
  const groupStatus = { open: gt.tOpenStatus, succeeded: gt.tSucceeded, failed: gt.tFailed };
  const progress = (g) => g.seats_paid + "/" + g.size + " " + gt.tSeats;

  function afterGroup(r, done) {
    $("group-note").textContent = r.ok ? done : failed(r, "");
    return loadDeals();
  }

  function openGroup(deal) {
    const body = { platform: "miniprogram", order_no: key() };
    m.call("campaigns/deals/" + deal.id + "/open", body).then((r) => afterGroup(r, gt.tOpened));
  }

  function joinGroup(group) {
    const body = { platform: "miniprogram", order_no: key() };
    m.call("campaigns/groups/" + group.id + "/join", body).then((r) => afterGroup(r, gt.tJoined));
  }

  function loadDeals() {
    return m.call("campaigns/deals").then((r) => {
      if (!r.ok) return;
      const deals = $("deal-list");
      const mine = $("my-groups");
      m.clear(deals);
      m.clear(mine);
      const joined = new Set(r.data.mine.map((g) => g.id));
      r.data.deals.forEach((deal) => {
        const li = m.row(deals, deal.name + " · " + deal.group_size + " " + gt.tSize + " · " + yuan(deal.price_fen));
        li.appendChild(button(gt.tOpen, () => openGroup(deal)));
        deal.open_groups.filter((g) => !joined.has(g.id)).forEach((g) => {
          const line = m.row(deals, "· " + progress(g) + " · " + gt.tUntil + " " + when(g.deadline));
          line.appendChild(button(gt.tJoin, () => joinGroup(g)));
        });
      });
      r.data.mine.forEach((g) => {
        m.row(mine, g.deal + " · " + progress(g), groupStatus[g.status] || g.status);
      });
    });
  }

  // Flash sales ------------------------------------------------------------------------
  const ft = $("flash").dataset;

  function reserve(sale) {
    m.call("campaigns/flash/" + sale.id + "/reserve", { quantity: 1 }).then((r) => {
      $("flash-note").textContent = r.ok ? ft.tPay + " " + when(r.data.pay_by) : failed(r, "");
      loadFlash();
    });
  }

  function loadFlash() {
    return m.call("campaigns/flash").then((r) => {
      if (!r.ok) return;
      const list = $("flash-list");
      m.clear(list);
      const now = Date.now();
      r.data.forEach((sale) => {
        const started = new Date(sale.starts_at).getTime() <= now;
        const info = yuan(sale.price_fen) + " · " + sale.left + " " + ft.tLeft + " · " +
          sale.taken + "/" + sale.per_person_limit + " " + ft.tCap;
        const li = m.row(list, sale.name + " · " + info +
          (started ? "" : " · " + ft.tStarts + " " + when(sale.starts_at)));
        const full = !started || sale.left <= 0 || sale.taken >= sale.per_person_limit;
        li.appendChild(button(ft.tReserve, () => reserve(sale), full));
      });
    });
  }

  loadCoupons();
  loadLotteries();
  loadDeals();
  loadFlash();
})();
