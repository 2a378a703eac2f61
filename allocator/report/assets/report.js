// report.html's script, inlined into the page by allocator/report/html.py. Hand-written, no
// library: zoom and pan by changing the viewBox (markers keep their size), highlight a
// marker's links, toggle layers, optional OpenStreetMap tiles, sortable tables.
// The map's size (W, H) is html.py's MAP_W, MAP_H.
(function () {
  "use strict";
  var svg = document.getElementById("map");
  var W = 1000, H = 680;
  var view = {x: 0, y: 0, w: W, h: H};
  var x0 = parseFloat(svg.dataset.x0), y0 = parseFloat(svg.dataset.y0),
      scale = parseFloat(svg.dataset.scale);
  var markers = Array.prototype.slice.call(svg.querySelectorAll(".marker"));
  var links = Array.prototype.slice.call(svg.querySelectorAll(".link"));
  var tiles = document.getElementById("tiles");
  var tilesOn = false;

  var kmPerUnit = parseFloat(svg.dataset.kmPerUnit);
  function drawScale() {
    var px = svg.getBoundingClientRect().width || W;
    var kmPerPx = kmPerUnit * view.w / px;
    var nice = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    var km = nice[0];
    nice.forEach(function (n) { if (n / kmPerPx <= 140) km = n; });
    document.getElementById("scale-line").style.width = Math.round(km / kmPerPx) + "px";
    document.getElementById("scale-label").textContent = km + " km";
  }
  function apply() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    drawScale();
    var k = view.w / W;
    markers.forEach(function (m) {
      m.setAttribute("transform",
                     "translate(" + m.dataset.x + " " + m.dataset.y + ") scale(" + k + ")");
    });
    if (tilesOn) drawTiles();
  }
  function zoomAt(factor, cx, cy) {
    var w = Math.min(W * 4, Math.max(W / 400, view.w / factor));
    var f = w / view.w;
    view.x = cx - (cx - view.x) * f;
    view.y = cy - (cy - view.y) * f;
    view.w = w;
    view.h = view.w * H / W;
    apply();
  }
  function toSvg(evt) {
    var r = svg.getBoundingClientRect();
    return [view.x + (evt.clientX - r.left) / r.width * view.w,
            view.y + (evt.clientY - r.top) / r.height * view.h];
  }
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    var p = toSvg(evt);
    zoomAt(evt.deltaY < 0 ? 1.25 : 0.8, p[0], p[1]);
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (evt) {
    drag = {x: evt.clientX, y: evt.clientY, vx: view.x, vy: view.y, moved: false};
  });
  window.addEventListener("pointermove", function (evt) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; svg.classList.add("dragging"); }
    view.x = drag.vx - dx / r.width * view.w;
    view.y = drag.vy - dy / r.height * view.h;
    apply();
  });
  window.addEventListener("pointerup", function () {
    if (drag && drag.moved) svg.dataset.justDragged = "1";
    drag = null;
    svg.classList.remove("dragging");
  });
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      zoomAt(parseFloat(b.dataset.zoom), view.x + view.w / 2, view.y + view.h / 2);
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    view = {x: 0, y: 0, w: W, h: H};
    clearFocus();
    apply();
  });
  document.getElementById("fit").addEventListener("click", function () {
    var f = svg.dataset.fit.split(" ").map(parseFloat);
    var w = Math.max(f[2], f[3] * W / H, W / 400) * 1.15;
    view = {x: f[0] + f[2] / 2 - w / 2, y: f[1] + f[3] / 2 - w * H / W / 2, w: w, h: w * H / W};
    apply();
  });

  // Highlight what a clicked marker is linked to.
  function clearFocus() {
    svg.classList.remove("focus");
    svg.querySelectorAll(".on").forEach(function (el) { el.classList.remove("on"); });
  }
  function sel(attr, value) {
    return "[data-" + attr + "=\"" + (window.CSS && CSS.escape ? CSS.escape(value) : value) + "\"]";
  }
  svg.addEventListener("click", function (evt) {
    if (svg.dataset.justDragged) { delete svg.dataset.justDragged; return; }
    var m = evt.target.closest ? evt.target.closest(".marker") : null;
    clearFocus();
    if (!m) return;
    var on = [];
    ["urn", "specialist", "group"].forEach(function (attr) {
      var v = m.dataset[attr];
      if (v === undefined) return;
      on = on.concat(Array.prototype.slice.call(svg.querySelectorAll(".link" + sel(attr, v))));
    });
    on.forEach(function (l) {
      l.classList.add("on");
      ["urn", "specialist", "group"].forEach(function (attr) {
        var v = l.dataset[attr];
        if (v !== undefined) svg.querySelectorAll(".marker" + sel(attr, v)).forEach(function (x) {
          x.classList.add("on");
        });
      });
    });
    m.classList.add("on");
    svg.classList.add("focus");
  });

  // Layers.
  document.querySelectorAll("[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      svg.classList.toggle("layer-off-" + box.dataset.layer, !box.checked);
    });
  });

  // Optional OpenStreetMap background: nothing is fetched unless the reader asks for it.
  function drawTiles() {
    while (tiles.firstChild) tiles.removeChild(tiles.firstChild);
    var px = svg.getBoundingClientRect().width || W;
    var z = Math.round(Math.log(scale * px / view.w / 256) / Math.LN2);
    z = Math.max(0, Math.min(18, z));
    var n = Math.pow(2, z);
    var wx0 = x0 + view.x / scale, wx1 = x0 + (view.x + view.w) / scale;
    var wy0 = y0 + view.y / scale, wy1 = y0 + (view.y + view.h) / scale;
    var tx0 = Math.max(0, Math.floor(wx0 * n)), tx1 = Math.min(n - 1, Math.floor(wx1 * n));
    var ty0 = Math.max(0, Math.floor(wy0 * n)), ty1 = Math.min(n - 1, Math.floor(wy1 * n));
    if ((tx1 - tx0 + 1) * (ty1 - ty0 + 1) > 100) return;
    for (var tx = tx0; tx <= tx1; tx++) {
      for (var ty = ty0; ty <= ty1; ty++) {
        var img = document.createElementNS("http://www.w3.org/2000/svg", "image");
        img.setAttribute("href",
                         "https://tile.openstreetmap.org/" + z + "/" + tx + "/" + ty + ".png");
        img.setAttribute("x", (tx / n - x0) * scale);
        img.setAttribute("y", (ty / n - y0) * scale);
        img.setAttribute("width", scale / n + 0.5);
        img.setAttribute("height", scale / n + 0.5);
        tiles.appendChild(img);
      }
    }
  }
  document.getElementById("tiles-toggle").addEventListener("change", function (evt) {
    tilesOn = evt.target.checked;
    svg.classList.toggle("tiles-on", tilesOn);
    document.getElementById("tile-credit").hidden = !tilesOn;
    if (tilesOn) drawTiles();
    else while (tiles.firstChild) tiles.removeChild(tiles.firstChild);
  });

  // Tables: click a header to sort, type to filter.
  function cellValue(row, i, numeric) {
    var t = row.cells[i] ? row.cells[i].textContent : "";
    if (!numeric) return t.toLowerCase();
    return t === "" ? -Infinity : parseFloat(t);
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, i) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        Array.prototype.forEach.call(ths, function (o) { o.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var numeric = th.classList.contains("num");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, i, numeric), y = cellValue(b, i, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (input) {
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      var table = document.getElementById(input.dataset.table);
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  apply();
})();
