// Console behaviour that would otherwise be inline handlers, which the CSP forbids.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form?.submit();
  }
});

// A page waiting for background work (a model the worker fits) looks again by itself.
for (const element of document.querySelectorAll("[data-reload-after]")) {
  const seconds = Number(element.getAttribute("data-reload-after"));
  if (seconds > 0) setTimeout(() => location.reload(), seconds * 1000);
}
