(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function show(e) {
    var t = e.target.closest("[data-tip]");
    if (!t) { return; }
    tip.textContent = t.getAttribute("data-tip");
    tip.hidden = false;
    var x = (e.clientX || 0) + 14, y = (e.clientY || 0) + 14;
    tip.style.left = Math.min(x, window.innerWidth - 540) + "px";
    tip.style.top = y + "px";
  }
  function hide() { tip.hidden = true; }
  document.addEventListener("mouseover", show);
  document.addEventListener("focusin", show);
  document.addEventListener("mouseout", hide);
  document.addEventListener("focusout", hide);
  // Self-test for the browser test (`#selftest`): every object row has a bar, and hovering an
  // attempt shows its reason. The result is written into the page for the test to read.
  if (location.hash === "#selftest") {
    var errors = [];
    window.addEventListener("error", function (e) { errors.push(String(e.message)); });
    var rows = document.querySelectorAll("[data-object]");
    var missing = 0;
    rows.forEach(function (r) { if (!r.querySelector(".att")) { missing += 1; } });
    var atts = document.querySelectorAll(".att");
    var shown = 0;
    atts.forEach(function (a) {
      a.dispatchEvent(new MouseEvent("mouseover", { bubbles: true, clientX: 10, clientY: 10 }));
      if (!tip.hidden && tip.textContent === a.getAttribute("data-tip") && tip.textContent.length > 0) { shown += 1; }
    });
    var out = document.createElement("pre");
    out.id = "selftest";
    out.textContent = JSON.stringify({ objects: rows.length, missing: missing, attempts: atts.length, tooltips: shown, errors: errors });
    document.body.appendChild(out);
  }
})();
