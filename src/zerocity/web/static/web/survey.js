// Conditional survey questions: a question with data-show-if="N=answer" is shown only while
// question N has that answer; hidden, its inputs are cleared so nothing of it is sent. Without
// JavaScript every question shows with its condition in words, and the server checks it.
(function () {
  const form = document.querySelector('form[data-form="survey"]');
  if (!form) return;
  const conditional = Array.from(form.querySelectorAll('fieldset[data-show-if]'));
  function update() {
    for (const fieldset of conditional) {
      const [question, answer] = fieldset.dataset.showIf.split(/=(.*)/s);
      const chosen = form.querySelector(`input[name="q${question}"]:checked`);
      const show = chosen !== null && chosen.value === answer;
      fieldset.hidden = !show;
      if (!show) {
        for (const input of fieldset.querySelectorAll('input, textarea')) {
          if (input.type === 'radio' || input.type === 'checkbox') input.checked = false;
          else input.value = '';
        }
      }
    }
  }
  form.addEventListener('change', update);
  update();
})();
