// The world map's tooltip: the country and its count beside the country under the
// pointer or the keyboard. Without this file the map works as it is: each link's
// <title> is its accessible name and the browser's own tooltip, and the list of
// counts below the map stays open.
document.querySelectorAll("[data-world-map]").forEach((figure) => {
  const tip = figure.querySelector(".map-tip");
  const frame = tip.parentElement;
  figure.querySelectorAll(".map-country").forEach((link) => {
    const title = link.querySelector("title");
    if (!title) return;
    // One tooltip, not the browser's as well: the text moves to the link's name.
    link.setAttribute("aria-label", title.textContent);
    link.dataset.tip = title.textContent;
    title.remove();
  });
  // The map says it all with the tooltip; the list stays a click away.
  const list = figure.querySelector("details.map-list");
  if (list) list.open = false;

  const svg = figure.querySelector("svg");
  // Above the country's main part (data-anchor, in the map's own units), so that
  // the United States' tooltip is over the states, not between them and Alaska.
  function show(link) {
    const [x, y] = link.dataset.anchor.split(" ").map(Number);
    const point = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
    const outer = frame.getBoundingClientRect();
    tip.textContent = link.dataset.tip;
    tip.hidden = false;
    tip.style.left = `${point.x - outer.left}px`;
    tip.style.top = `${point.y - outer.top - 8}px`;
  }
  function hide() {
    tip.hidden = true;
  }
  function country(event) {
    const link = event.target.closest && event.target.closest(".map-country");
    return link && link.dataset.tip ? link : null;
  }
  figure.addEventListener("focusin", (event) => {
    const link = country(event);
    if (link) show(link);
  });
  figure.addEventListener("focusout", hide);
  figure.addEventListener("pointerover", (event) => {
    const link = country(event);
    if (link) show(link);
  });
  figure.addEventListener("pointerout", (event) => {
    if (country(event)) hide();
  });
});
