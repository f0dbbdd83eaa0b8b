// The segment rule builder: add and remove conditions and groups, show the fields of the
// chosen kind of condition, and ask for the live count after every change. The rule tree
// itself is assembled on the server from the posted fields (siyu/segments/builder_form.py).
// A static file because the console's CSP allows no inline script, style or eval.
(() => {
  "use strict";

  const form = () => document.getElementById("segment-form");

  const changed = () => {
    const f = form();
    if (f) f.dispatchEvent(new Event("rule-changed", { bubbles: true }));
  };

  const nextIndex = (builder) => {
    const next = Number(builder.dataset.next || "0");
    builder.dataset.next = String(next + 1);
    return String(next);
  };

  const copy = (templateId, builder, parent) => {
    const template = document.getElementById(templateId);
    if (!(template instanceof HTMLTemplateElement)) return null;
    const index = nextIndex(builder);
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML
      .replaceAll("n__i__-", `n${index}-`)
      .replaceAll('data-index="__i__"', `data-index="${index}"`)
      .replaceAll('value="__p__"', `value="${parent}"`);
    return holder.firstElementChild;
  };

  const addTo = (group, what) => {
    const builder = group.closest(".builder");
    const children = group.querySelector(":scope > .rule-children");
    if (!builder || !children) return;
    const row = copy(what === "group" ? "tpl-group" : "tpl-leaf", builder, group.dataset.index);
    if (!row) return;
    children.appendChild(row);
    if (what === "group") addTo(row, "leaf");
    const first = row.querySelector("select, input:not([type=hidden])");
    if (first instanceof HTMLElement) first.focus();
  };

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const add = target.closest("[data-add]");
    if (add && add.closest(".builder")) {
      const group = add.closest(".rule-group");
      if (group) addTo(group, add.getAttribute("data-add"));
      changed();
      return;
    }
    const remove = target.closest("[data-remove]");
    if (remove && remove.closest(".builder")) {
      const row = remove.closest(".rule-leaf, .rule-group");
      const siblings = row?.parentElement?.children.length ?? 0;
      // The outer group keeps at least one condition: the builder never posts an empty rule.
      if (row && (siblings > 1 || row.classList.contains("rule-group"))) row.remove();
      changed();
    }
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLSelectElement)) return;
    const leaf = target.closest(".rule-leaf");
    if (!(leaf instanceof HTMLElement)) return;
    if (target.hasAttribute("data-kind-select")) leaf.dataset.kind = target.value;
    if (target.hasAttribute("data-field-select")) leaf.dataset.field = target.value;
    if (target.hasAttribute("data-metric-select")) leaf.dataset.metric = target.value;
  });

  // After switching between the builder and JSON, count the rule as it now stands.
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.target;
    if (target instanceof Element && target.id === "rule-editor") changed();
  });
})();
