// The served workshop, better with JavaScript: each tap is saved without a reload, and the
// projector refreshes itself. Without JavaScript every tap is a form post and all still works.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function toast(text) {
    var el = document.querySelector(".toast");
    if (!el) {
      el = document.createElement("p");
      el.className = "toast";
      el.setAttribute("role", "alert");
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.hidden = !text;
  }

  function saveAnswer(button) {
    var raw = button.value, cut = raw.lastIndexOf("=");
    var item = raw.slice(0, cut), value = raw.slice(cut + 1);
    var body = JSON.stringify({ item: item, value: value === "dk" ? "dk" : parseInt(value, 10) });
    button.classList.add("saving");
    return fetch("/api/answer", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      button.classList.remove("saving");
      if (!result.ok) { toast(result.data.error || "Not saved: tap again."); return; }
      var group = button.closest(".scale");
      group.querySelectorAll(".choice").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
      var count = document.querySelector("[data-answered]");
      if (count) { count.textContent = result.data.answered; }
      var bar = document.querySelector(".progress .bar > div");
      if (bar) { bar.style.width = Math.round(100 * result.data.answered / Math.max(result.data.total, 1)) + "%"; }
      toast("");
    }).catch(function () {
      button.classList.remove("saving");
      toast("Not saved: no connection. Tap again when you are back online.");
    });
  }

  function participant() {
    var form = document.querySelector("form[data-answers]");
    if (!form) { return; }
    var points = form.querySelector(".scale");
    if (points) { form.style.setProperty("--points", points.children.length); }
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button.choice");
      if (!button) { return; }
      event.preventDefault();
      saveAnswer(button);
    });
  }

  // Open questions: each box is saved a moment after typing stops (and when it loses focus), with no reload;
  // "Save and continue" still posts the form, so the words are kept with JavaScript off too.
  function openAnswers() {
    var form = document.querySelector("form[data-open]");
    if (!form) { return; }
    form.querySelectorAll("textarea[data-question]").forEach(function (box) {
      var hint = box.parentNode.querySelector(".hint");
      var count = hint && hint.querySelector("[data-count]"), saved = hint && hint.querySelector("[data-saved]");
      var timer = null, sent = box.value;
      function save() {
        clearTimeout(timer);
        if (box.value === sent) { return; }
        var text = box.value;
        if (saved) { saved.textContent = " \u00b7 saving\u2026"; }
        fetch("/api/open", {
          method: "POST", credentials: "same-origin", body: JSON.stringify({ question: box.dataset.question, text: text }),
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        }).then(function (result) {
          if (!result.ok) { if (saved) { saved.textContent = ""; } toast(result.data.error || "Not saved: try again."); return; }
          sent = text;
          if (saved) { saved.textContent = " \u00b7 saved"; }
          toast("");
        }).catch(function () {
          if (saved) { saved.textContent = ""; }
          toast("Not saved: no connection. Your words stay in the box; they are saved when you continue.");
        });
      }
      box.addEventListener("input", function () {
        if (count) { count.textContent = box.value.length; }
        if (saved) { saved.textContent = ""; }
        clearTimeout(timer);
        timer = setTimeout(save, 1200);
      });
      box.addEventListener("change", save);
    });
  }

  function projector() {
    var controls = document.querySelector("form[data-live]");
    if (!controls) { return; }
    var results = document.getElementById("results"), counts = document.getElementById("counts");
    var every = Math.max(1, parseFloat(controls.dataset.refresh) || 3) * 1000;
    function query() {
      var by = controls.querySelector("select[name=by]"), partial = controls.querySelector("input[name=partial]");
      return "?by=" + encodeURIComponent(by ? by.value : "") + (partial && partial.checked ? "&partial=1" : "");
    }
    function poll() {
      fetch(controls.dataset.live + query(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          counts.innerHTML = data.counts;
          if (data.version !== results.dataset.version) {
            results.innerHTML = data.results;
            results.dataset.version = data.version;
          }
        }).catch(function () { /* the next poll tries again */ });
    }
    controls.addEventListener("change", function () {
      history.replaceState(null, "", controls.action + query());
      poll();
    });
    setInterval(poll, every);
  }

  document.addEventListener("DOMContentLoaded", function () { participant(); openAnswers(); projector(); });
})();
