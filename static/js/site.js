// Enhancements only: every page works without this file.
document.documentElement.classList.add("js");

// On a phone the filter panel starts closed so that results come first, unless a
// filter is already chosen. (Sorting keeps its button: a select that submits on
// change would move keyboard users away while they browse the options.)
const narrow = window.matchMedia("(max-width: 52rem)");
document.querySelectorAll("details.filters").forEach((details) => {
  if (narrow.matches && !details.querySelector(".selected")) details.open = false;
});
