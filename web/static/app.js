// Progressive touches; every page works without this file.
//  - [data-autorefresh="SECONDS"]: reload the element's contents from the same address every SECONDS seconds
//    (the inbox), unless the user is typing in it or the tab is hidden.
//  - form[data-confirm="…"]: ask before submitting.
//  - input/select/textarea with `required`, `maxlength`, `min`/`max`, `pattern`: say what is wrong next to the
//    field as soon as the user leaves it (the server checks again and has the last word).
(function () {
  "use strict";

  function refresh(element) {
    var seconds = parseInt(element.getAttribute("data-autorefresh"), 10);
    if (!(seconds > 0)) return;
    setInterval(function () {
      if (document.hidden || element.contains(document.activeElement)) return;
      fetch(window.location.href, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(element.id);
          if (fresh) element.innerHTML = fresh.innerHTML;
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ });
    }, seconds * 1000);
  }

  function explain(field) {
    var holder = field.closest(".field");
    if (!holder) return;
    var note = holder.querySelector(".field-error.live");
    if (field.validity.valid) {
      if (note) note.remove();
      holder.classList.remove("has-error");
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error live";
      holder.appendChild(note);
    }
    note.textContent = field.validationMessage;
    holder.classList.add("has-error");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-autorefresh][id]").forEach(refresh);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    document.querySelectorAll("form.form input, form.form select, form.form textarea").forEach(function (field) {
      field.addEventListener("blur", function () { explain(field); });
      field.addEventListener("input", function () { if (!field.validity.valid) return; explain(field); });
    });
  });
})();
