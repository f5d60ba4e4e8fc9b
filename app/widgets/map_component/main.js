/* geoprio's district map: a Streamlit custom component (components v1) in plain JavaScript.
 *
 * The geometry (geoprio.mapcodec.encode_coverage, written by app.map_component.publish_geometry
 * to Streamlit's static folder under a content-hash name) is fetched once per page; every
 * rerun only brings what changes: palette + class index per district, the tooltip table,
 * outlined districts and the legend. A colour change recolours the drawn layer in place
 * (setColours): no layer is rebuilt, no geometry refetched, the user's zoom and pan stay.
 *
 * Protocol (as streamlit-component-lib speaks it): post componentReady to the parent, receive
 * "streamlit:render" messages with {args}, post setFrameHeight and setComponentValue.
 */
(function () {
  "use strict";
  var STYLE = {fill_opacity: 0.85, line_color: "#ffffff", line_weight: 0.3,
               hover_color: "#333333", hover_weight: 2.0, border_color: "#444444",
               border_weight: 1.0, outline_color: "#000000", outline_weight: 1.2};
  var state = {started: false, ready: false, pending: null, url: null, map: null, out: null,
               base: null, height: null, tiles: null, tileLayer: null, legend: null,
               outlineKey: null};
  // What tests and benchmarks read: how often each step ran and how long the last took.
  // *_at: the page's clock (Date.now()) when the map was last drawn or recoloured.
  var stats = window.geoprioStats = {renders: 0, draws: 0, fetches: 0, recolours: 0,
                                     updates: 0, last_update_ms: null, draw_ms: null,
                                     clicked: null, drawn_at: null, recoloured_at: null};

  function send(type, extra) {
    var msg = {isStreamlitMessage: true, type: type};
    for (var k in extra) msg[k] = extra[k];
    window.parent.postMessage(msg, "*");
  }

  // "/app/static/x" is relative to the app's root, which is the part of our own path before
  // "/component/<name>/index.html" (so a server.baseUrlPath works too).
  function resolve(url) {
    if (url.charAt(0) !== "/" || url.charAt(1) === "/") return url;
    var path = window.location.pathname, at = path.lastIndexOf("/component/");
    return (at > 0 ? path.slice(0, at) : "") + url;
  }

  function loadScript(src) {
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = resolve(src);
      s.onload = ok;
      s.onerror = function () { fail(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  function loadCss(href) {
    var l = document.createElement("link");
    l.rel = "stylesheet";
    l.href = resolve(href);
    document.head.appendChild(l);
  }

  function fetchGeometry(url) {
    stats.fetches += 1;
    // content-hash file names never change content: any cached copy is good
    return fetch(resolve(url), {cache: "force-cache"}).then(function (r) {
      if (!r.ok) throw new Error("geometry " + url + ": HTTP " + r.status);
      return r.json();
    });
  }

  function showError(err) {
    var box = document.getElementById("status");
    box.textContent = "Error: " + (err && err.message ? err.message : err);
    box.style.color = "#b10026";
    if (window.console) console.error(err);
  }

  function setHeight(h) {
    if (h !== state.height) {
      state.height = h;
      document.body.style.height = h + "px";
      send("streamlit:setFrameHeight", {height: h});
      if (state.map) state.map.invalidateSize();
    }
  }

  function merged(base, table) {
    var out = {}, k;
    for (k in base) out[k] = base[k];
    for (k in (table || {})) out[k] = table[k];
    return out;
  }

  function setTiles(args) {
    var url = args.tiles || null;
    if (url === state.tiles) return;
    if (state.tileLayer) state.map.removeLayer(state.tileLayer);
    state.tileLayer = url ? L.tileLayer(url, {attribution: args.attribution || ""})
      .addTo(state.map) : null;
    if (state.tileLayer) state.tileLayer.bringToBack();
    state.tiles = url;
  }

  function setOutline(args) {
    var key = (args.outline || []).join(",");
    if (key === state.outlineKey) return;
    var out = state.out, d = out.data, feats = out.fill.getLayers(), chosen = [];
    for (var i = 0; i < (args.outline || []).length; i++) {
      var layer = feats[args.outline[i]];
      if (layer) chosen.push(layer.feature);
    }
    if (out.outline) state.map.removeLayer(out.outline);
    out.outline = L.geoJSON({type: "FeatureCollection", features: chosen}, {
      interactive: false,
      style: {fill: false, color: d.style.outline_color, weight: d.style.outline_weight,
              opacity: 1}
    }).addTo(state.map);
    d.outline = args.outline || [];
    state.outlineKey = key;
  }

  function setLegend(html) {
    if (html === state.legend) return;
    document.getElementById("legend").innerHTML = html || "";  // built by geoprio, escaped
    state.legend = html;
  }

  function sameList(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function draw(args, geometry) {
    var t0 = performance.now(), first = !state.map, style = {}, k;
    for (k in STYLE) style[k] = STYLE[k];
    for (k in (args.style || {})) style[k] = args.style[k];
    if (first) {
      state.map = L.map("map", {preferCanvas: true, zoomControl: true, zoomSnap: 0.25,
                                attributionControl: Boolean(args.tiles)});
      L.control.scale({imperial: false}).addTo(state.map);
    } else if (state.out) {  // another geometry: drop the old layers, keep the view
      state.map.removeLayer(state.out.fill);
      state.map.removeLayer(state.out.outline);
      for (k in state.out.borders) state.map.removeLayer(state.out.borders[k]);
    }
    state.base = geometry.table || {};
    var coverage = {}, borders = [];
    for (k in geometry) if (k !== "table") coverage[k] = geometry[k];
    for (k in (coverage.borders || {})) borders.push(k);
    var d = {name: args.name || "distritos", coverage: coverage, palette: args.palette,
             colour: args.colour, table: merged(state.base, args.table),
             fields: args.fields || [], aliases: args.aliases || args.fields || [],
             outline: args.outline || [], borders: args.borders === false ? [] : borders,
             style: style, missing: args.missing || "sin dato", locale: args.locale || "es-PE"};
    state.out = window.geoprioCodec.draw(state.map, d);
    state.outlineKey = (d.outline || []).join(",");
    state.out.fill.on("click", function (ev) {
      var i = ev.layer.feature.id, ids = state.out.data.table.ubigeo;
      var value = ids ? ids[i] : String(i);
      stats.clicked = value;
      send("streamlit:setComponentValue", {value: value, dataType: "json"});
    });
    if (first) {
      var bb = coverage.bbox;
      if (bb && bb[0] !== null) state.map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]]);
      else state.map.fitBounds(state.out.fill.getBounds());
    }
    setTiles(args);
    setLegend(args.legend);
    state.url = args.geometry;
    stats.draws += 1;
    stats.draw_ms = performance.now() - t0;
    stats.drawn_at = Date.now();
    document.getElementById("status").style.display = "none";
  }

  function update(args) {
    var t0 = performance.now(), d = state.out.data;
    if (!sameList(d.palette, args.palette) || !sameList(d.colour, args.colour)) {
      state.out.setColours(args.palette, args.colour);  // restyles in place, view unchanged
      stats.recolours += 1;
      stats.recoloured_at = Date.now();
    }
    d.table = merged(state.base, args.table);  // read by the tooltip on the next hover
    d.fields = args.fields || [];
    d.aliases = args.aliases || d.fields;
    d.missing = args.missing || d.missing;
    d.locale = args.locale || d.locale;
    setOutline(args);
    setTiles(args);
    setLegend(args.legend);
    stats.updates += 1;
    stats.last_update_ms = performance.now() - t0;
  }

  function start(args) {
    state.started = true;
    loadCss(args.leaflet_css);
    // the geometry downloads while Leaflet and the decoder load: one round trip, not three
    var download = fetchGeometry(args.geometry);
    loadScript(args.leaflet_js)
      .then(function () { return loadScript(args.decoder); })
      .then(function () { return download; })
      .then(function (geometry) {
        state.ready = true;
        var latest = state.pending;
        state.pending = null;
        draw(latest, geometry);
      })
      .catch(showError);
  }

  function render(args) {
    stats.renders += 1;
    setHeight(args.height || 640);
    if (!state.started) {
      state.pending = args;
      start(args);
    } else if (!state.ready) {
      state.pending = args;  // still loading: draw the latest arguments when ready
    } else if (args.geometry !== state.url) {
      state.ready = false;
      state.pending = args;
      fetchGeometry(args.geometry).then(function (geometry) {
        state.ready = true;
        var latest = state.pending;
        state.pending = null;
        draw(latest, geometry);
      }).catch(showError);
    } else {
      try { update(args); } catch (err) { showError(err); }
    }
  }

  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "streamlit:render") render(event.data.args || {});
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();
