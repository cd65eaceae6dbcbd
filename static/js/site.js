// The demo site's script: shows the page's validators, what crossed the
// network for the page and each of its files, and revalidates on demand.
// Served like every file of the site, with its own ETag.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  function kb(bytes) {
    if (bytes === undefined || bytes === null || isNaN(bytes)) { return "unknown"; }
    return bytes < 1024 ? bytes + " B" : (bytes / 1024).toFixed(1) + " KB";
  }

  function showHeaders(response) {
    var status = $("status");
    status.textContent = response.status + " " + (response.statusText || "");
    status.className = "status s" + response.status;
    $("etag").textContent = response.headers.get("ETag") || "(none)";
    $("last-modified").textContent = response.headers.get("Last-Modified") || "(none)";
    $("cache-control").textContent = response.headers.get("Cache-Control") || "(none)";
  }

  function bar(id, numId, bytes, size) {
    var width = size > 0 ? Math.max(1, Math.min(100, 100 * bytes / size)) : 0;
    $(id).style.width = width + "%";
    $(numId).textContent = kb(bytes);
  }

  // Resource Timing: transferSize is what crossed the network (headers
  // included), decodedBodySize the size of the page itself.
  var nav = performance.getEntriesByType("navigation")[0];
  var size = nav ? nav.decodedBodySize : 0;
  bar("bar-size", "num-size", size, size);
  if (nav) {
    bar("bar-load", "num-load", nav.transferSize, size);
    $("num-load").textContent = kb(nav.transferSize) +
      (nav.transferSize === 0 ? " (cache)" : "");
  }

  // What the browser did for each file of the page (Resource Timing):
  // nothing crossed the network (its cache), a few hundred bytes of headers
  // (revalidated: 304), or the whole file (200).
  // Chromium reports no body size for a file revalidated with a 304: only
  // the headers crossed the network.
  function explain(entry) {
    if (entry.transferSize === 0) { return "from the browser's cache"; }
    if (entry.encodedBodySize === 0 || entry.transferSize < entry.encodedBodySize) {
      return "revalidated: 304";
    }
    return "downloaded: 200";
  }

  function showSubresources() {
    var rows = performance.getEntriesByType("resource").filter(function (e) {
      return e.name.indexOf(location.origin) === 0 && e.initiatorType !== "fetch";
    }).map(function (e) {
      var row = document.createElement("tr");
      var size = e.decodedBodySize > 0 ? kb(e.decodedBodySize) : "(the kept copy)";
      [e.name.slice(location.origin.length), explain(e), kb(e.transferSize), size]
        .forEach(function (text, i) {
          var cell = document.createElement("td");
          cell.textContent = text;
          if (i >= 2) { cell.className = "num"; }
          row.appendChild(cell);
        });
      return row;
    });
    var body = $("subresources");
    body.textContent = "";
    rows.forEach(function (row) { body.appendChild(row); });
    document.body.setAttribute("data-subresources", String(rows.length));
  }

  function revalidate() {
    var url = location.pathname + location.search;
    var started = performance.now();
    return fetch(url, { cache: "no-cache" }).then(function (response) {
      showHeaders(response);
      return response.text().then(function () {
        // Give the browser a moment to record the entry.
        return new Promise(function (resolve) { setTimeout(resolve, 50); });
      }).then(function () {
        var entries = performance.getEntriesByType("resource").filter(function (e) {
          return e.startTime >= started - 1 && e.name.indexOf(location.origin) === 0;
        });
        var entry = entries[entries.length - 1];
        var bytes = entry ? entry.transferSize : NaN;
        bar("bar-check", "num-check", bytes, size);
        var page = entry ? entry.decodedBodySize || size : size;
        var changed = !(bytes < page);
        // fetch() shows a revalidated response as 200; what crossed the
        // network tells whether the server answered 304.
        $("status").textContent = changed ? "200 OK (sent again)" : "304 Not Modified";
        $("status").className = "status " + (changed ? "s200" : "s304");
        $("saved").textContent = changed
          ? "The page changed: the server sent all of it again (" + kb(bytes) + ")."
          : "Unchanged: " + kb(bytes) + " crossed the network instead of " + kb(page) +
            " (" + (page > 0 ? (100 * (1 - bytes / page)).toFixed(0) : "0") + "% saved).";
        document.body.setAttribute("data-revalidated", String(bytes));
      });
    }).catch(function (err) {
      $("saved").textContent = "The server did not answer: " + err;
    });
  }

  $("revalidate").addEventListener("click", revalidate);
  if (document.readyState === "complete") {
    showSubresources();
  } else {
    window.addEventListener("load", function () { setTimeout(showSubresources, 0); });
  }
  // Read the current validators once, without touching the browser's cache.
  fetch(location.pathname + location.search, { method: "HEAD", cache: "no-store" })
    .then(showHeaders)
    .catch(function () { $("status").textContent = "unavailable"; });
})();
