// The main menu (base.html) is open in the HTML so that without JavaScript every link is there;
// on narrow screens it folds behind its Menu button, and opens again when the screen widens.
(function () {
  var menu = document.querySelector("details.nav-menu"),
      wide = window.matchMedia("(min-width: 56rem)");
  if (!menu) { return; }
  function fit() { menu.open = wide.matches; }
  fit();
  wide.addEventListener("change", fit);
})();
