// The journey planner's map (web/mobility/planner.html). Without this file each stop on the map
// is a link that reloads the page with the stop filled in. With it, choosing a stop (a click, a
// tap, or Enter on a focused stop) fills the form's start or end in place and says so to a
// screen reader, and a click elsewhere on the map fills that point as latitude, longitude,
// through the projection the server wrote on the <svg> (mobility/network.py).
(function () {
  "use strict";
  var svg = document.querySelector("svg[data-map]"),
      form = document.getElementById("plan-form"),
      picker = document.querySelector(".map-pick"),
      said = document.getElementById("map-said");
  if (!svg || !form || !picker || !said) { return; }
  var inputs = {from: form.querySelector('[data-end-input="from"]'),
                to: form.querySelector('[data-end-input="to"]')},
      links = picker.querySelectorAll("[data-pick-end]"),
      pick = picker.getAttribute("data-pick") === "to" ? "to" : "from";

  function setPick(end) {
    pick = end;
    picker.setAttribute("data-pick", end);
    links.forEach(function (a) {
      if (a.getAttribute("data-pick-end") === end) { a.setAttribute("aria-current", "true"); }
      else { a.removeAttribute("aria-current"); }
    });
  }
  links.forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      setPick(a.getAttribute("data-pick-end"));
    });
  });

  function mark(end, x, y, name) {
    var g = svg.querySelector('[data-end="' + end + '"]'), text = g.querySelector("text"),
        right = x > svg.viewBox.baseVal.width * 0.6;
    g.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
    g.removeAttribute("visibility");
    text.setAttribute("text-anchor", right ? "end" : "start");
    text.setAttribute("x", right ? "-22" : "22");
    text.textContent = name;
  }

  function choose(value, x, y) {
    var end = pick, other = end === "from" ? "to" : "from";
    inputs[end].value = value;
    inputs[end].removeAttribute("aria-invalid");
    mark(end, x, y, value);
    said.textContent = said.getAttribute("data-said-" + end).replace("%(place)s", value);
    if (!inputs[other].value) { setPick(other); }
  }

  svg.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-place]");
    if (link) {
      e.preventDefault();
      var dot = link.querySelector(".map-stop");
      choose(link.getAttribute("data-place"), dot.cx.baseVal.value, dot.cy.baseVal.value);
      return;
    }
    var m = svg.getScreenCTM();
    if (!m) { return; }
    var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse()), d = svg.dataset,
        lat = +d.latTop - (p.y - d.offY) / d.scale,
        lon = +d.lonLeft + (p.x - d.offX) / (d.scale * d.cosLat);
    choose(lat.toFixed(5) + ", " + lon.toFixed(5), p.x, p.y);
  });
})();
