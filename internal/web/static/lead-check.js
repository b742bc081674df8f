// The ownership check (判客) as the mobile is typed: the server answers an
// HTML fragment that replaces the form's check result. Without script the
// form still works: submitting a known mobile shows the same answer.
(function () {
  var input = document.getElementById("mobile");
  var out = document.getElementById("check-result");
  if (!input || !out) return;
  var last = "";
  function check() {
    var v = input.value.replace(/[^0-9]/g, "");
    if (v.length !== 11 || v === last) return;
    last = v;
    fetch(input.dataset.check + "?mobile=" + encodeURIComponent(v), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (input.value.replace(/[^0-9]/g, "") === v) out.innerHTML = html; })
      .catch(function () {});
  }
  input.addEventListener("input", check);
  input.addEventListener("blur", check);
})();
