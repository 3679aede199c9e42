// The program editor's live preview: as the merchant types, post the form (with its CSRF
// token) to /admin/program/preview and show the panel it answers. Same origin, no inline
// script; without it the Preview button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("program-form");
  var panel = document.getElementById("preview");
  if (!form || !panel || !window.fetch) { return; }
  var timer = null;
  var asked = 0;

  function refresh() {
    var mine = ++asked;
    var body = new URLSearchParams(new FormData(form));
    fetch("/admin/program/preview", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (answer) {
      return answer.ok ? answer.text() : null;
    }).then(function (html) {
      // a slower earlier answer never replaces a newer one
      if (html !== null && mine === asked) { panel.innerHTML = html; }
    }).catch(function () { /* the Preview button still works */ });
  }

  function soon() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
