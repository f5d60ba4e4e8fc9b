// The browser decoder (geoprio/report/mapcodec.js) against Python's: fixture.json holds coverages
// encoded by geoprio.mapcodec.encode_coverage and the integer grid coordinates that
// geoprio.mapcodec.decode_rings and decode_borders read back (tests/js/write_fixture.py).
// Run: node --test tests/js/   (also run by tests/test_js.py under pytest)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const source = readFileSync(new URL("../../geoprio/report/mapcodec.js", import.meta.url), "utf8");
const fixture = JSON.parse(readFileSync(new URL("fixture.json", import.meta.url), "utf8"));

// The decoder as a page loads it: a script that sets window.geoprioCodec. Its objects come
// from another realm (vm context), so compare values, not prototypes.
function load(window = {}) {
  vm.runInNewContext(source, { window }, { filename: "geoprio/report/mapcodec.js" });
  return window.geoprioCodec;
}

// Every coordinate equals Python's integer divided by 10^precision, bit for bit (the same
// IEEE division), and rings, polygons and features come in the same order.
function assertSameLines(got, want, scale, where) {
  assert.equal(got.length, want.length, `${where}: number of lines`);
  got.forEach((line, i) => {
    assert.equal(line.length, want[i].length, `${where} line ${i}: number of points`);
    line.forEach(([x, y], k) => {
      assert.equal(x, want[i][k][0] / scale, `${where} line ${i} point ${k}: x`);
      assert.equal(y, want[i][k][1] / scale, `${where} line ${i} point ${k}: y`);
    });
  });
}

test("the fixture has the cases Python wrote", () => {
  assert.equal(fixture.cases.length, 3);
  assert.ok(fixture.cases.every((c) => c.encoded.format === "geoprio-coverage"));
});

for (const c of fixture.cases) {
  test(`decode: ${c.name}`, () => {
    const codec = load();
    const scale = Math.pow(10, c.encoded.precision);
    const { features, arcs } = codec.decode(c.encoded);
    assert.equal(features.length, c.encoded.n_features);
    assert.equal(arcs === null, !c.encoded.topology);
    features.forEach((feature, i) => {
      assert.equal(feature.type, "Feature");
      assert.equal(feature.id, i);
      assert.equal(feature.geometry.type, "MultiPolygon");
      const polys = feature.geometry.coordinates;
      assert.equal(polys.length, c.rings[i].length, `feature ${i}: number of polygons`);
      polys.forEach((rings, p) => {
        assertSameLines(rings, c.rings[i][p], scale, `feature ${i} polygon ${p}`);
        rings.forEach((ring) => assert.deepEqual(ring[0], ring[ring.length - 1]));
      });
    });
  });

  for (const name of Object.keys(c.borders)) {
    test(`borders '${name}': ${c.name}`, () => {
      const codec = load();
      const { arcs } = codec.decode(c.encoded);
      const line = codec.borderLines(c.encoded, arcs, name);
      assert.equal(line.geometry.type, "MultiLineString");
      assert.equal(line.properties.border, name);
      assertSameLines(line.geometry.coordinates, c.borders[name],
                      Math.pow(10, c.encoded.precision), `border ${name}`);
    });
  }
}

test("the empty geometry keeps its row, with no polygon", () => {
  const { features } = load().decode(fixture.cases[0].encoded);
  assert.equal(features[3].geometry.coordinates.length, 0);
});

test("a page that loads the decoder twice keeps the first codec", () => {
  const window = {};
  const first = load(window);
  assert.equal(load(window), first);
  assert.deepEqual(Object.keys(first).sort(), ["borderLines", "decode", "draw"]);
});
