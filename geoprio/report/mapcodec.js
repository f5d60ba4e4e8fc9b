/* geoprio's decoder of the compact map layer (geoprio.mapcodec.encode_coverage), in the browser.
 *
 * The district polygons travel as shared arcs: integer coordinates on a 10^-precision degree
 * grid, delta-encoded, zig-zag mapped and written as variable-length digits of the 86-character
 * alphabet below (the final digits first, then the continuation digits). decode() rebuilds
 * GeoJSON MultiPolygon features; draw() adds them to a Leaflet map with per-feature colours, a
 * tooltip table, thick outlines for the selected districts and the group borders on top.
 *
 * One file, loaded by both users of the format: inlined by geoprio.mapcodec.CompactChoropleth
 * (folium maps and the HTML export) and served to the app's map component
 * (app/widgets/map_component.publish_geometry). Plain ES5 in one IIFE: no build step, no dependency but
 * Leaflet (the global L) for draw(). The alphabet must equal geoprio.mapcodec.ALPHABET (a Python
 * test checks it); tests/js/ decodes fixtures written by the Python encoder.
 */
window.geoprioCodec = window.geoprioCodec || (function () {
  "use strict";
  // the digits of geoprio.mapcodec.ALPHABET: B final digits, then B continuation digits
  var ALPHA = "!#$%()*+,-./0123456789:;=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^`abcdefghijklmnopqrstuvwxyz|~";
  var B = 43, DIGIT = new Int16Array(128);
  for (var digit = 0; digit < ALPHA.length; digit++) DIGIT[ALPHA.charCodeAt(digit)] = digit;
  function reader(s) {
    var pos = 0;
    return function () {
      var v = 0, m = 1, d;
      for (;;) {
        d = DIGIT[s.charCodeAt(pos++)];
        if (d < B) return v + d * m;
        v += (d - B) * m; m *= B;
      }
    };
  }
  function zz(u) { return u % 2 ? -(u + 1) / 2 : u / 2; }
  function decodeArcs(e) {
    var next = reader(e.arcs), f = Math.pow(10, e.precision), x = 0, y = 0, arcs = [];
    for (var a = 0; a < e.n_arcs; a++) {
      var n = next(), pts = new Array(n);
      for (var k = 0; k < n; k++) { x += zz(next()); y += zz(next()); pts[k] = [x / f, y / f]; }
      arcs.push(pts);
    }
    return arcs;
  }
  function decode(e) {
    var arcs = e.topology ? decodeArcs(e) : null, next = reader(e.shapes);
    var f = Math.pow(10, e.precision), x = 0, y = 0, prev = 0, feats = [];
    for (var i = 0; i < e.n_features; i++) {
      var np = next(), polys = [];
      for (var p = 0; p < np; p++) {
        var nr = next(), rings = [];
        for (var q = 0; q < nr; q++) {
          var n = next(), r = [], j, k;
          if (arcs) {
            for (j = 0; j < n; j++) {
              var c = next(), rev = c % 2, pts;
              prev += zz((c - rev) / 2); pts = arcs[prev];
              if (rev) { for (k = pts.length - 1 - (j ? 1 : 0); k >= 0; k--) r.push(pts[k]); }
              else { for (k = j ? 1 : 0; k < pts.length; k++) r.push(pts[k]); }
            }
          } else {
            for (j = 0; j < n; j++) { x += zz(next()); y += zz(next()); r.push([x / f, y / f]); }
            r.push(r[0]);
          }
          rings.push(r);
        }
        polys.push(rings);
      }
      feats.push({type: "Feature", id: i, properties: {},
                  geometry: {type: "MultiPolygon", coordinates: polys}});
    }
    return {features: feats, arcs: arcs};
  }
  function borderLines(e, arcs, name) {
    var next = reader(e.borders[name]), n = next(), idx = 0, lines = [];
    for (var k = 0; k < n; k++) { idx += next(); lines.push(arcs[idx]); }
    return {type: "Feature", properties: {border: name},
            geometry: {type: "MultiLineString", coordinates: lines}};
  }
  function tooltipBox(d, i) {
    var box = document.createElement("div"), tb = document.createElement("table");
    for (var k = 0; k < d.fields.length; k++) {
      var tr = tb.insertRow(), th = tr.insertCell(), td = tr.insertCell();
      var v = d.table[d.fields[k]][i];
      th.textContent = d.aliases[k];
      th.style.cssText = "font-weight:bold;text-align:left;padding-right:8px";
      td.textContent = (v === null || v === undefined) ? d.missing
        : (typeof v === "number" ? v.toLocaleString(d.locale || undefined) : String(v));
    }
    box.appendChild(tb);
    return box;
  }
  function draw(map, d) {
    var t0 = performance.now(), dec = decode(d.coverage), t1 = performance.now();
    var feats = dec.features, s = d.style, name;
    for (var i = 0; i < feats.length; i++) {
      var pr = feats[i].properties;
      for (name in d.table) pr[name] = d.table[name][i];
    }
    var fill = L.geoJSON({type: "FeatureCollection", features: feats}, {
      style: function (ft) {
        return {fillColor: d.palette[d.colour[ft.id]], fillOpacity: s.fill_opacity,
                color: s.line_color, weight: s.line_weight, opacity: 1};
      }
    });
    if (d.fields.length) {
      fill.bindTooltip(function (layer) { return tooltipBox(d, layer.feature.id); },
                       {sticky: true});
    }
    fill.on("mouseover", function (ev) {
      ev.layer.setStyle({weight: s.hover_weight, color: s.hover_color});
    });
    fill.on("mouseout", function (ev) { fill.resetStyle(ev.layer); });
    fill.addTo(map);
    var borders = {};
    for (var b = 0; b < d.borders.length; b++) {
      name = d.borders[b];
      borders[name] = L.geoJSON(borderLines(d.coverage, dec.arcs, name), {
        interactive: false,
        style: {fill: false, color: s.border_color, weight: s.border_weight, opacity: 1}
      }).addTo(map);
    }
    var outline = L.geoJSON({type: "FeatureCollection",
                             features: d.outline.map(function (k) { return feats[k]; })}, {
      interactive: false,
      style: {fill: false, color: s.outline_color, weight: s.outline_weight, opacity: 1}
    }).addTo(map);
    var out = {map: map, fill: fill, borders: borders, outline: outline, data: d,
      timing: {decode_ms: t1 - t0, layers_ms: performance.now() - t1},
      setColours: function (palette, colour) {
        d.palette = palette; d.colour = colour; fill.resetStyle();
      }};
    // A map drawn in a hidden tab (or a narrow frame) is drawn too small: when its box
    // grows a lot, redraw and fit the districts again. Zooming by the user changes no size.
    var box = map.getContainer(), fitWidth = box.clientWidth;
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        map.invalidateSize();
        if (box.clientWidth > 1.5 * fitWidth + 1) {
          fitWidth = box.clientWidth;
          map.fitBounds(fill.getBounds());
        }
      }).observe(box);
    }
    window.geoprioLayer = fill;
    window.geoprioLayers = window.geoprioLayers || {};
    window.geoprioLayers[d.name] = out;
    return out;
  }
  return {decode: decode, draw: draw, borderLines: borderLines};
})();
