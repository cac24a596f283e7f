// statusmon board: live updates over Server-Sent Events, a filter as you type. Plain JS, no
// build step. Without it the page still works: it refreshes itself and the filter is a form.
(function () {
  "use strict";
  var body = document.body;
  var live = document.getElementById("live");
  var changes = document.getElementById("changes");
  var connection = document.getElementById("connection");
  var timer = null;
  var wantFresh = false;

  function filterInput() { return document.getElementById("q"); }

  function applyFilter() {
    var input = filterInput();
    if (!input) { return; }
    var text = input.value.trim().toLowerCase();
    var shown = 0;
    var pages = document.querySelectorAll("#pages > li");
    pages.forEach(function (li) {
      var match = !text || li.getAttribute("data-name").indexOf(text) !== -1;
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    var count = document.getElementById("filter-count");
    if (count) { count.textContent = text ? shown + " of " + pages.length + " pages match" : ""; }
  }

  function wire() {
    var input = filterInput();
    if (!input) { return; }
    input.addEventListener("input", applyFilter);
    input.form.addEventListener("submit", function (e) { e.preventDefault(); applyFilter(); });
    applyFilter();
  }

  function refresh(fresh) {
    wantFresh = wantFresh || fresh;
    if (timer) { return; }
    timer = setTimeout(function () {
      timer = null;
      var asked = wantFresh;
      wantFresh = false;
      var query = new URLSearchParams(location.search);
      if (asked) { query.set("fresh", "1"); }
      fetch(body.getAttribute("data-live") + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          // What the reader did while the request was in flight counts: read it just now.
          var open = [];
          document.querySelectorAll("#live details[open] > summary").forEach(function (s) { open.push(s.id); });
          var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : "";
          var typed = filterInput() ? filterInput().value : "";
          var hadFocusInFilter = document.activeElement === filterInput();
          var caret = hadFocusInFilter ? filterInput().selectionStart : 0;
          live.innerHTML = html;
          open.forEach(function (id) {
            var s = document.getElementById(id);
            if (s && s.parentNode) { s.parentNode.open = true; }
          });
          var input = filterInput();
          if (input) { input.value = typed; }
          wire();
          if (hadFocusInFilter && input) { input.focus(); input.setSelectionRange(caret, caret); }
          else if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
        })
        .catch(function () { /* the next change or the periodic refresh tries again */ });
    }, 50);
  }

  function addChange(event) {
    var item = document.createElement("li");
    item.className = "fresh";
    var when = document.createElement("time");
    var at = new Date(event.occurred_at);
    when.dateTime = event.occurred_at;
    when.textContent = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
    var product = document.createElement("strong");
    product.textContent = event.product;
    item.appendChild(when);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(product);
    item.appendChild(document.createTextNode(": " + event.status_text));
    var empty = changes.querySelector(".empty");
    if (empty) { empty.remove(); }
    changes.insertBefore(item, changes.firstChild);
    while (changes.children.length > 50) { changes.removeChild(changes.lastChild); }
  }

  wire();
  if (window.EventSource) {
    var source = new EventSource(body.getAttribute("data-stream"));
    source.addEventListener("open", function () {
      connection.textContent = "Live";
      refresh(true);  // what changed between the page being served and the stream opening
    });
    source.addEventListener("error", function () { connection.textContent = "Reconnecting…"; });
    source.addEventListener("change", function (e) {
      try { addChange(JSON.parse(e.data)); } catch (err) { /* a frame we cannot read */ }
      refresh(true);
      // A poll saves the page's state just after handing its events to the notifier: look
      // again shortly, in case the line was printed before the state was written.
      setTimeout(function () { refresh(true); }, 3000);
    });
  }
  setInterval(function () { refresh(true); }, 30000);  // health and ages move without events
})();
