// Run once when the page loads (serve() passes it to Gradio as `js`).
//
// A [n] marker in an answer links to its citation card (#cite-<turn>-<n>). Following the link
// would scroll every scrolling box up to the page itself, taking the header out of view; this
// scrolls only the box the card is in (the chat), just enough to show the card.
(() => {
  const MARGIN = 12; // px kept between the card and the edge of its box

  function scrollingBox(el) {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (box === document.body || box === document.documentElement) return null;
      const overflow = getComputedStyle(box).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && box.scrollHeight > box.clientHeight) {
        return box;
      }
    }
    return null;
  }

  function reveal(card) {
    const box = scrollingBox(card);
    if (box) {
      const b = box.getBoundingClientRect();
      const c = card.getBoundingClientRect();
      let delta = 0;
      if (c.top < b.top + MARGIN) {
        delta = c.top - b.top - MARGIN;
      } else if (c.bottom > b.bottom - MARGIN) {
        // Bring its bottom into view, but never push its top out (a card taller than the box).
        delta = Math.min(c.bottom - b.bottom + MARGIN, c.top - b.top - MARGIN);
      }
      box.scrollTop += delta;
    } else {
      card.scrollIntoView({ block: "nearest" });
    }
    for (const el of document.querySelectorAll(".cite-card.cite-active")) {
      el.classList.remove("cite-active");
    }
    card.classList.add("cite-active");
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a.cite-ref") : null;
      if (!link || !link.hash) return;
      const card = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!card) return;
      event.preventDefault();
      reveal(card);
    },
    true,
  );
})();
