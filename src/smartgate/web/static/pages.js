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

// A form marked data-show-refusals shows the page part a refusal (403, 404, 409, 422) comes
// with, as it shows an answer: the server words the refusal where it belongs.
document.addEventListener("htmx:beforeSwap", (event) => {
  // detail.elt is the swap target here; the element that asked is the request's.
  const status = event.detail.xhr.status;
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (status >= 400 && status < 500 && asker && asker.closest("[data-show-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// In a part marked data-one-message, a new request clears the messages the last answer left
// (a check-in's result does not stay beside the next call's).
document.addEventListener("htmx:beforeRequest", (event) => {
  const part = event.detail.elt.closest("[data-one-message]");
  if (part) {
    part.querySelectorAll(".ok, .banner, .msg, [role=status], [role=alert]").forEach((message) => message.remove());
  }
});
