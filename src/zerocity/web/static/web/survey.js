// Conditional survey questions: a question with data-show-if="N=answer" is shown only while
// question N has that answer; hidden, its inputs are cleared so nothing of it is sent. The
// questions shown are numbered 1, 2, 3... as they are asked, so a hidden one leaves no gap.
// Without JavaScript every question shows, a conditional one unnumbered with its condition
// in words, and the server checks it.
//
// Ranking questions: the number selects (the form without JavaScript) give way to the list
// itself, in the person's order, with a button to move each option up or down (keyboard
// and screen reader friendly); the selects, hidden, still carry the order to the server.
(function () {
  const form = document.querySelector('form[data-form="survey"]');
  if (!form) return;
  const fieldsets = Array.from(form.querySelectorAll('fieldset[data-question]'));
  const conditional = fieldsets.filter((f) => f.dataset.showIf !== undefined);
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  }
  function update() {
    for (const fieldset of conditional) {
      const [question, answer] = fieldset.dataset.showIf.split(/=(.*)/s);
      const chosen = form.querySelector(`input[name="q${question}"]:checked`);
      const show = chosen !== null && chosen.value === answer;
      fieldset.hidden = !show;
      if (!show) {
        for (const input of fieldset.querySelectorAll('input, textarea, select')) {
          if (input.type === 'radio' || input.type === 'checkbox') input.checked = false;
          else input.value = '';
        }
      }
    }
    let number = 0;
    for (const fieldset of fieldsets) {
      const label = fieldset.querySelector('[data-number]');
      if (!fieldset.hidden) number += 1;
      if (label) label.textContent = fieldset.hidden ? '' : `${number}. `;
    }
  }

  function ranking(list) {
    const status = list.parentElement.querySelector('[data-ranking-status]');
    const items = () => Array.from(list.children);
    function store() {  // the order into the hidden selects: place 1, 2, 3...
      items().forEach((li, n) => { li.querySelector('select').value = String(n + 1); });
    }
    function mark() {
      const all = items();
      all.forEach((li, n) => {
        li.querySelector('[data-move="up"]').setAttribute('aria-disabled', String(n === 0));
        li.querySelector('[data-move="down"]').setAttribute('aria-disabled',
                                                            String(n === all.length - 1));
      });
    }
    function move(li, button, up) {
      const sibling = up ? li.previousElementSibling : li.nextElementSibling;
      if (!sibling) return;
      if (up) list.insertBefore(li, sibling); else list.insertBefore(sibling, li);
      store();
      mark();
      const all = items();
      status.textContent = fill(list.dataset.placed, {option: li.dataset.option,
                                                      n: all.indexOf(li) + 1,
                                                      total: all.length});
      // keep the focus on the button pressed, or on the other one at the list's end
      const edge = button.getAttribute('aria-disabled') === 'true';
      (edge ? li.querySelector(`[data-move="${up ? 'down' : 'up'}"]`) : button).focus();
    }
    for (const li of items()) {
      li.querySelector('[data-place]').hidden = true;
      const name = document.createElement('span');
      name.textContent = li.dataset.option;
      li.append(name);
      for (const [direction, template, arrow] of [['up', list.dataset.moveUp, '↑'],
                                                  ['down', list.dataset.moveDown, '↓']]) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button button-secondary';
        button.dataset.move = direction;
        const words = document.createElement('span');
        words.className = 'visually-hidden';
        words.textContent = fill(template, {option: li.dataset.option});
        const sign = document.createElement('span');
        sign.setAttribute('aria-hidden', 'true');
        sign.textContent = arrow;
        button.append(words, sign);
        button.addEventListener('click', () => move(li, button, direction === 'up'));
        li.append(' ', button);
      }
    }
    // a required ranking starts as the options are listed; an optional one stays unanswered
    // until the person moves something
    if (list.dataset.required !== undefined) store();
    mark();
  }

  form.querySelectorAll('ol[data-ranking]').forEach(ranking);
  form.addEventListener('change', update);
  update();
})();
