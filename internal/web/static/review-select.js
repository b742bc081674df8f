// The review queue's "select this page" box ticks or clears every row of
// the page. Without script each row is ticked by hand, or the batch acts
// on every matching application (the other choice of the form).
(function () {
  var all = document.getElementById("select-page");
  var form = document.getElementById("review-many");
  if (!all || !form) return;
  var boxes = form.querySelectorAll('input[name="id"]');
  var ticked = form.querySelector('input[name="scope"][value="ids"]');
  all.addEventListener("change", function () {
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
    if (all.checked && ticked) ticked.checked = true;
  });
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener("change", function (e) {
      if (!e.target.checked) all.checked = false;
      else if (ticked) ticked.checked = true;
    });
  }
})();
