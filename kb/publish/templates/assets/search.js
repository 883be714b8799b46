/* Offline search over window.KB_INDEX (assets/index.js): hanzi, aliases, English, pinyin and initials.
   Results are built with textContent only: nothing from the index is ever parsed as HTML. */
(function () {
  "use strict";
  var index = window.KB_INDEX || [];
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  if (!input || !list) { return; }
  var root = document.body.getAttribute("data-root") || "";

  function norm(text) {
    return String(text || "").normalize("NFKC").toLowerCase().replace(/[\s\u3000]+/g, "");
  }

  function score(entry, q) {
    var names = [norm(entry.t), norm(entry.k)].concat((entry.a || []).map(norm));
    var en = norm(entry.e), best = 0;
    names.forEach(function (n) {
      if (n === q) { best = Math.max(best, 100); }
      else if (n.indexOf(q) === 0) { best = Math.max(best, 70); }
      else if (n.indexOf(q) > 0) { best = Math.max(best, 50); }
    });
    if (/^[a-z0-9]+$/.test(q)) {
      if (entry.i === q) { best = Math.max(best, 95); }
      else if (entry.p === q) { best = Math.max(best, 95); }
      else if (entry.i.indexOf(q) === 0) { best = Math.max(best, 65); }
      else if (entry.p.indexOf(q) === 0) { best = Math.max(best, 65); }
    }
    if (en && en === q) { best = Math.max(best, 90); }
    else if (en && en.indexOf(q) >= 0) { best = Math.max(best, 40); }
    if (best && entry.s === "approved") { best += 3; }
    return best;
  }

  function search(query) {
    var q = norm(query);
    if (!q) { return []; }
    var found = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], q);
      if (s) { found.push([s, i]); }
    }
    found.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    return found.slice(0, 20).map(function (f) { return index[f[1]]; });
  }

  function show(results, query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!norm(query)) { list.hidden = true; return; }
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "No term matches " + query;
      list.appendChild(none);
    }
    results.forEach(function (entry) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + entry.u;
      a.textContent = entry.t;
      li.appendChild(a);
      var info = document.createElement("span");
      info.className = "py";
      info.textContent = " " + entry.p + (entry.e ? " · " + entry.e : "");
      li.appendChild(info);
      if (entry.s !== "approved") {
        var badge = document.createElement("span");
        badge.className = "badge candidate";
        badge.textContent = "candidate";
        badge.title = "not yet reviewed";
        li.appendChild(badge);
      }
      list.appendChild(li);
    });
    list.hidden = false;
  }

  input.addEventListener("input", function () { show(search(input.value), input.value); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) { window.location.href = first.href; }
    } else if (event.key === "Escape") {
      input.value = ""; show([], "");
    }
  });
  window.kbSearch = search;
})();
