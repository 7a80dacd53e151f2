// Scenario explorer: recompute the target year as boxes are ticked, from explorer.json.
// Without JavaScript the form submits and the server renders the same answer.
(function () {
  "use strict";
  var form = document.getElementById("explorer-form");
  if (!form) return;
  var lang = document.documentElement.lang || "en";
  var fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 0, useGrouping: "always" });
  var pct = function (share) { return fmt.format(Math.round(share * 100)) + " %"; };
  var pending = null;

  function set(name, text) {
    var el = form.parentNode.querySelector('[data-result="' + name + '"]');
    if (el) el.textContent = text;
    return el;
  }

  function show(data) {
    var r = data.result;
    var scen = set("scenario", fmt.format(Math.round(r.scenario)));
    scen.dataset.value = String(Math.round(r.scenario));
    set("ceiling", fmt.format(Math.round(r.ceiling)));
    set("existing", fmt.format(Math.round(r.existing)));
    set("share", pct(r.reduction_share));
    set("overshoot", fmt.format(Math.round(Math.abs(r.margin))));
    var status = form.parentNode.querySelector('[data-result="status"]');
    status.dataset.met = r.met ? "true" : "false";
    status.querySelector(".met").hidden = !r.met;
    status.querySelector(".not-met").hidden = r.met;
    var body = form.parentNode.querySelector('[data-table="impacts"] tbody');
    body.textContent = "";
    Object.keys(data.impacts).forEach(function (code) {
      var tr = document.createElement("tr");
      tr.dataset.impact = code;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = code;
      var td = document.createElement("td");
      td.textContent = fmt.format(Math.round(data.impacts[code]));
      var box = form.querySelector('input[name="a"][value="' + code + '"]');
      var declared = document.createElement("td");
      declared.textContent = box ? fmt.format(Number(box.dataset.declared || 0)) : "";
      tr.append(th, declared, td);
      body.append(tr);
    });
  }

  // the chart is drawn on the server: take it from the page for the same choice
  function redraw(params) {
    var chart = document.querySelector('[data-chart="explorer"]');
    if (!chart) return;
    fetch(window.location.pathname + "?" + params.toString())
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector('[data-chart="explorer"]');
        if (fresh) chart.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* the numbers are current; the chart waits for a reload */ });
  }

  function recompute() {
    var params = new URLSearchParams(new FormData(form));
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.dataset.endpoint + "?" + params.toString(),
          { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (data) {
        show(data);
        history.replaceState(null, "", "?" + params.toString());
        redraw(params);
      })
      .catch(function (err) { if (err && err.name === "AbortError") return; form.submit(); });
  }

  form.addEventListener("change", recompute);
})();
