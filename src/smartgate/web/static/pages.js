// The pages' few behaviours, kept out of the markup so that the Content-Security-Policy can
// forbid inline script (and htmx's eval).

// A button with data-count-as-index="SELECTOR" sends how many such elements the page holds
// as `index` (the next goods line's number).
document.addEventListener("htmx:configRequest", (event) => {
  const counted = event.detail.elt.dataset.countAsIndex;
  if (counted) {
    event.detail.parameters.index = document.querySelectorAll(counted).length;
  }
});

// A button with data-print prints the page (the booking pass).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
