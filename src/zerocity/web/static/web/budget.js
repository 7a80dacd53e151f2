// The ballot's meter: "spent X of Y EUR" (or "chosen N of at most M projects") while the
// voter ticks projects, read out by screen readers as it changes. Only a help: without
// JavaScript the meter stays hidden and the server refuses a ballot over the budget.
(function () {
  const form = document.querySelector('form[data-form="ballot"]');
  const box = form && form.querySelector('[data-meter]');
  if (!box) return;
  const meter = box.querySelector('meter');
  const text = box.querySelector('[data-figure="meter"]');
  const total = Number(box.dataset.total);
  const knapsack = box.dataset.meter === 'knapsack';
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined,
                                       {maximumFractionDigits: 0});
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  }
  function update() {
    const chosen = Array.from(form.querySelectorAll('input[name="projects"]:checked'));
    const used = knapsack ? chosen.reduce((sum, box) => sum + Number(box.dataset.cost), 0)
                          : chosen.length;
    meter.value = used;
    const values = knapsack
      ? {spent: format.format(used), total: format.format(total),
         left: format.format(Math.max(total - used, 0)),
         over: format.format(Math.max(used - total, 0))}
      : {n: used, most: total};
    text.textContent = fill(used > total ? box.dataset.over : box.dataset.within, values);
  }
  box.hidden = false;
  form.addEventListener('change', update);
  update();
})();
