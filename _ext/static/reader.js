// The book's layout for readers (added by _ext/reader_layout.py): a display
// equation wider than its column is shrunk to fit, to no less than MIN_SCALE of
// its size; one wider still keeps a visible scroll bar (reader.css). Run once
// MathJax has typeset the page, again when the window changes width and when a
// folded solution opens (an equation inside was not measurable while folded).
(function () {
  const MIN_SCALE = 0.75;

  function fit() {
    for (const box of document.querySelectorAll('div.math mjx-container[display="true"]')) {
      const math = box.querySelector("mjx-math");
      if (!math) continue;
      math.style.fontSize = "";
      box.classList.remove("reader-scrolls");
      if (box.clientWidth === 0) continue; // folded away: measured when shown
      const over = box.scrollWidth / box.clientWidth;
      if (over <= 1.005) continue;
      const scale = Math.max(MIN_SCALE, 1 / over);
      math.style.fontSize = (100 * scale).toFixed(1) + "%";
      if (box.scrollWidth > box.clientWidth + 1) box.classList.add("reader-scrolls");
    }
  }
  window.readerFitMath = fit;

  let pending = null;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(fit, 50);
  }
  window.addEventListener("load", function () {
    const startup = window.MathJax && window.MathJax.startup;
    if (!startup || !startup.promise) return;
    startup.promise.then(fit);
    window.addEventListener("resize", later);
    document.addEventListener("toggle", later, true); // <details> dropdowns
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest(".toggle-button, button.toggle-button")) later();
    });
  });
})();
