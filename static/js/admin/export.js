// The export page's "Select all" toggle, wired here rather than by an inline
// onchange attribute, which the Content-Security-Policy refuses.
document.querySelectorAll(".select-toggle").forEach((toggle) => {
  toggle.addEventListener("change", onSelectToggleChange);
});
