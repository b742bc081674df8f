// The console's menu on a phone: the menu button opens and closes the
// navigation under the header. Without script the button stays hidden and
// the navigation stays open, so every page is still reachable. Loaded
// synchronously at the end of the header, so the menu is folded before
// the page is first drawn.
(function () {
  var button = document.getElementById("menu-button");
  var nav = document.getElementById("nav");
  if (!button || !nav) return;
  button.parentNode.classList.add("menu-folds");
  button.hidden = false;
  function show(open) {
    nav.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () {
    show(!nav.classList.contains("open"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && nav.classList.contains("open")) {
      show(false);
      button.focus();
    }
  });
})();
