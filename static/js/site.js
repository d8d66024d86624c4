// Enhancements only: every page works without this file.
document.documentElement.classList.add("js");

// Sorting applies as soon as a choice is made (the button stays for no-JS).
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// On a phone the filter panel starts closed so results come first.
const narrow = window.matchMedia("(max-width: 52rem)");
document.querySelectorAll("details.filters").forEach((details) => {
  if (narrow.matches && !details.querySelector(".selected")) details.open = false;
});
