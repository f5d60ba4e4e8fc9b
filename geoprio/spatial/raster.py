"""Zonal statistics of GeoTIFF rasters over the districts.

Turns a population grid, an elevation model, night lights or a travel-time surface into one
value per district, and adds it to the indicator table with a catalog entry so it can be scored.

How it works
------------
The districts are reprojected to the raster's CRS. With the default pixel-centre rule, all
districts are rasterized once per strip of rows into a label array (each pixel goes to the
district that holds its centre) and the statistics come from sorting the pixels by label, so
the raster is read strip by strip and never whole. Pixels claimed by two overlapping polygons
are detected and the districts involved are recomputed one by one, as are districts that get
no pixel centre (see ``fallback``), and every district when ``all_touched=True``: those
per-district computations read only the window of the district's bounds.

Rasters from users
------------------
A path (or the bytes of an upload) must be a GeoTIFF, told from its bytes and opened with
GDAL's GTiff driver only: a GDAL VRT (XML that can name ``/vsicurl/`` URLs or server files as
its sources) renamed ``.tif`` is refused, as are ``/vsi...`` paths and URLs, and GDAL is held
offline while the raster is read (:func:`geoprio.readers.safety.gdal_guard`). Bands, size, blocks
and
the pixels read are bounded (:data:`MAX_BANDS`, :data:`MAX_SIDE`, :data:`MAX_BLOCK_BYTES`,
:data:`MAX_PIXELS`) and the message says which limit was hit. Complex-valued bands are refused;
a truncated file or a failing read is a :class:`~geoprio.errors.RasterError` naming the file.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from rasterio import features
from rasterio.enums import MaskFlags, MergeAlg, Resampling
from rasterio.warp import reproject
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from geoprio._renamed import renamed
from geoprio.errors import GeometryError, GeoprioError, InputError, JoinError, RasterError
from geoprio.readers.safety import (
    bare_paths,
    clip,
    gdal_guard,
    one_line,
    read_head,
    scrub,
    sniff,
    user_file,
)
from geoprio.readers.tables import check_indicator_id
from geoprio.readers.textbounds import MAX_LABEL, MAX_NOTE, MAX_SOURCE, MAX_UNIT, check_text

__all__ = ["DEFAULT_STATS", "MAX_BANDS", "MAX_PIXELS", "MAX_SIDE", "UPLOAD_PIXELS", "VALID_STATS",
           "add_zonal_indicator", "zonal_stats"]

logger = logging.getLogger(__name__)

#: Statistics :func:`zonal_stats` knows, in the order of its output columns.
VALID_STATS = (
    "mean", "sum", "min", "max", "median", "count", "majority", "std", "range", "weighted_mean",
)
DEFAULT_STATS = ("mean", "sum", "min", "max", "median", "count", "majority")
FALLBACKS = ("touched", "point", None)
#: Largest window (in pixels) read for one district; above it the raster is refused.
MAX_WINDOW_PIXELS = 50_000_000
#: Most bands a raster file may have (each band costs GDAL work when the file is opened).
MAX_BANDS = 256
#: Longest side, in pixels (a 30 m grid of all Peru is about 75,000 x 65,000).
MAX_SIDE = 200_000
#: Largest block (tile or strip) GDAL must decompress at once: a single huge strip of zeros
#: is a few KB compressed and gigabytes in memory.
MAX_BLOCK_BYTES = 256 * 2**20
#: Most pixels read in all (pixels under the districts' windows times bands): a 100 m grid of
#: Peru is about 2.5e8 pixels a band. Raise ``max_pixels`` for finer grids.
MAX_PIXELS = 1_000_000_000
#: Largest raster given as bytes or a file object (an upload).
MAX_RASTER_BYTES = 1024 * 2**20
#: Pixels the app reads at most from an uploaded raster (``pixel_budget=``): a 990-million-pixel
#: GeoTIFF of 1.1 MB took 112 s and 2.4 GB; read 4 times coarser each way it takes about 9 s
#: (benchmarks/bench_hostile.py). A 100 m grid of Peru is about 2.5e8 pixels.
UPLOAD_PIXELS = 100_000_000
#: Target number of pixels in one strip of rows of the label engine (memory bound).
STRIP_PIXELS = 1_000_000
# label multiplier of the one-pass rasterization (a pixel can be held by up to 4095 polygons)
_SHIFT = 4096.0
#: Resampling used to put the weights raster on the value raster's grid when they differ.
WEIGHTS_RESAMPLING = Resampling.average

_CATALOG_COLUMNS = (
    "id", "label_es", "label_en", "unit", "year", "source", "higher_is_worse", "kind",
    "description", "caveats",
)


# --------------------------------------------------------------------------- validation
def _check_stats(stats: str | Iterable[str], weights: Any) -> list[str]:
    if isinstance(stats, str):
        stats = stats.split()
    try:
        stats = list(stats)
    except TypeError:
        raise TypeError(
            f"stats must be a string or a list of strings, got {type(stats).__name__}"
        ) from None
    bad = [s for s in stats if s not in VALID_STATS]
    if bad or not stats:
        raise InputError(
            f"stats must be one or more of {', '.join(VALID_STATS)}; got {stats!r}"
        )
    if "weighted_mean" in stats and weights is None:
        raise InputError("stats 'weighted_mean' needs population=<path to a population (weights) "
                         "raster>")
    if weights is not None and "weighted_mean" not in stats:
        stats.append("weighted_mean")
    return [s for s in VALID_STATS if s in stats]


def _check_bands(band: int | Sequence[int], count: int) -> tuple[list[int], bool]:
    multi = not isinstance(band, (int, np.integer))
    bands = list(band) if multi else [int(band)]
    if not bands or any(
        isinstance(b, bool) or not isinstance(b, (int, np.integer)) or not 1 <= b <= count
        for b in bands
    ):
        raise RasterError(
            f"band must be an integer or a list of integers between 1 and {count} "
            f"(the raster has {count} band(s)); got {band!r}"
        )
    return [int(b) for b in bands], multi


@contextmanager
def _opened(raster: Any, what: str, label: str | None) -> Iterator[tuple[Any, str]]:
    """An open GeoTIFF dataset and the name to show for it."""
    if hasattr(raster, "read") and hasattr(raster, "transform"):
        yield raster, label or str(getattr(raster, "name", what))
        return
    tmp = None
    try:
        if isinstance(raster, (bytes, bytearray, memoryview)) or hasattr(raster, "read"):
            shown = one_line(label or str(getattr(raster, "name", "") or what), 200)
            data = bytes(raster) if not hasattr(raster, "read") else raster.read(
                MAX_RASTER_BYTES + 1)
            if not isinstance(data, bytes):
                raise TypeError(f"{what} must be opened in binary mode ('rb')")
            if len(data) > MAX_RASTER_BYTES:
                raise RasterError(f"{shown}: more than the {MAX_RASTER_BYTES / 2**20:,.0f} MB a "
                                  "raster upload may have; resample it (gdalwarp -tr) or clip "
                                  "it to the area needed")
            tmp = tempfile.mkdtemp(prefix="geoprio_")
            path = Path(tmp) / "raster.tif"
            path.write_bytes(data)
        elif isinstance(raster, (str, os.PathLike)):
            shown = one_line(label or os.fsdecode(os.fspath(raster)), 200)
            path = user_file(raster, label=shown, error=RasterError)
        else:
            raise TypeError(f"{what} must be a path, bytes, a binary file or an open rasterio "
                            f"dataset, got {type(raster).__name__}")
        kind = sniff(read_head(path))
        if kind != "gtiff":
            why = {"xml": "XML (a GDAL VRT?), which can point at other files or URLs and is "
                          "not read",
                   "zip": "a zip archive"}.get(kind, "not a GeoTIFF")
            raise RasterError(f"{shown}: is {why}; send a GeoTIFF (.tif)")
        try:
            ds = rasterio.open(path, driver="GTiff")
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(f"{shown}: cannot be opened as a GeoTIFF "
                              f"({one_line(bare_paths(scrub(exc, tmp or path, shown)), 160)})"
                              ) from exc
        with ds:
            if ds.driver != "GTiff":  # pragma: no cover - the driver list allows only GTiff
                raise RasterError(f"{shown}: opens as {ds.driver}, not as a GeoTIFF")
            yield ds, shown
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _check_dataset(ds: Any, what: str, label: str) -> None:
    if ds.crs is None:
        raise RasterError(
            f"{what} {label} has no CRS, so the districts cannot be placed on it; set one "
            "(e.g. `gdal_edit.py -a_srs EPSG:4326 FILE.tif`, or open it in rasterio with "
            "mode 'r+' and assign `dataset.crs`)"
        )
    t = ds.transform
    if t.b != 0 or t.d != 0:
        raise RasterError(
            f"{what} {label} has a rotated geotransform {tuple(t)[:6]}; warp it to a "
            "north-up grid first (gdalwarp)"
        )
    if ds.count > MAX_BANDS:
        raise RasterError(f"{what} {label} has {ds.count:,} bands, more than the {MAX_BANDS} "
                          "read (MAX_BANDS); keep only the bands needed (gdal_translate -b)")
    if max(ds.width, ds.height) > MAX_SIDE:
        raise RasterError(f"{what} {label} is {ds.width:,} x {ds.height:,} pixels, above the "
                          f"{MAX_SIDE:,} pixels a side read (MAX_SIDE); resample it "
                          "(gdalwarp -tr) or clip it")
    complex_bands = [i + 1 for i, d in enumerate(ds.dtypes) if np.dtype(d).kind == "c"]
    if complex_bands:
        raise RasterError(f"{what} {label} holds complex numbers ({ds.dtypes[0]}, band "
                          f"{complex_bands[0]}); zonal statistics need real values: export "
                          "the magnitude or the real part first (gdal_calc.py)")
    for (bh, bw), d in zip(ds.block_shapes, ds.dtypes, strict=False):
        if bh * bw * np.dtype(d).itemsize > MAX_BLOCK_BYTES:
            raise RasterError(f"{what} {label} is stored in blocks of {bw:,} x {bh:,} pixels "
                              f"({bh * bw * np.dtype(d).itemsize / 2**20:,.0f} MB each, above "
                              f"{MAX_BLOCK_BYTES / 2**20:.0f} MB); rewrite it tiled "
                              "(gdal_translate -co TILED=YES)")


# --------------------------------------------------------------------------- reading
class _ReadFailed(Exception):
    """GDAL could not read a window (a truncated or damaged file)."""


def _read_band(
    ds: Any, band: int, win: Window, nodata: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel values of ``band`` in ``win`` and a boolean mask (True = not valid)."""
    try:
        return _read_band_unchecked(ds, band, win, nodata)
    except rasterio.errors.RasterioError as exc:
        detail = exc.__cause__ if exc.__cause__ is not None else exc
        raise _ReadFailed(f"band {band}, rows {int(win.row_off):,}-"
                          f"{int(win.row_off + win.height):,}: "
                          f"{bare_paths(detail)}") from exc


def _read_band_unchecked(
    ds: Any, band: int, win: Window, nodata: float | None
) -> tuple[np.ndarray, np.ndarray]:
    if nodata is None:
        masked = ds.read(band, window=win, masked=True)
        data = masked.data
        mask = np.ma.getmaskarray(masked)
    else:
        data = ds.read(band, window=win)
        mask = np.isnan(data) if math.isnan(nodata) else data == nodata
        flags = ds.mask_flag_enums[band - 1]
        if MaskFlags.per_dataset in flags or MaskFlags.alpha in flags:
            mask |= ds.read_masks(band, window=win) == 0
    if np.issubdtype(data.dtype, np.floating):
        mask |= np.isnan(data)
    return data, mask


class _Weights:
    """Weights raster put on windows of the value raster's grid (NaN = no weight)."""

    def __init__(self, wds: Any, ds: Any) -> None:
        self.wds, self.crs = wds, ds.crs
        a, e, wa, we = ds.transform.a, ds.transform.e, wds.transform.a, wds.transform.e
        dc = (ds.transform.c - wds.transform.c) / a
        dr = (ds.transform.f - wds.transform.f) / e
        same_crs = wds.crs == ds.crs
        self.offset = None
        if (same_crs and math.isclose(a, wa, rel_tol=1e-9) and math.isclose(e, we, rel_tol=1e-9)
                and abs(dc - round(dc)) < 1e-6 and abs(dr - round(dr)) < 1e-6):
            self.offset = (round(dr), round(dc))  # aligned grids: read, no resampling

    def read(self, win: Window, transform: Any) -> np.ndarray:
        shape = (int(win.height), int(win.width))
        out = np.full(shape, np.nan)
        if self.offset is None:
            reproject(
                source=rasterio.band(self.wds, 1), destination=out, dst_transform=transform,
                dst_crs=self.crs, dst_nodata=np.nan, resampling=WEIGHTS_RESAMPLING,
            )
            return out
        r0, c0 = int(win.row_off) + self.offset[0], int(win.col_off) + self.offset[1]
        rr0, cc0 = max(r0, 0), max(c0, 0)
        rr1, cc1 = min(r0 + shape[0], self.wds.height), min(c0 + shape[1], self.wds.width)
        if rr1 > rr0 and cc1 > cc0:
            data, mask = _read_band(self.wds, 1, Window(cc0, rr0, cc1 - cc0, rr1 - rr0), None)
            block = data.astype(np.float64)
            block[mask] = np.nan
            out[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = block
        return out


# --------------------------------------------------------------------------- reduction
class _Accumulator:
    """Per-district statistics for one band, filled from (label, value, weight) pixels."""

    def __init__(self, n: int, stats: list[str]) -> None:
        self.stats = stats
        self.values = {s: np.full(n, np.nan) for s in stats if s != "count"}
        self.count = np.zeros(n, dtype=np.int64)

    def reset(self, idx: np.ndarray) -> None:
        """Forget what was reduced for districts ``idx`` (to compute them again)."""
        self.count[idx] = 0
        for arr in self.values.values():
            arr[idx] = np.nan

    def add(self, lab: np.ndarray, val: np.ndarray, w: np.ndarray | None) -> None:
        """Reduce pixels of districts that are complete (no pixel of theirs comes later)."""
        if lab.size == 0:
            return
        order = np.argsort(lab, kind="stable")
        lab, val = lab[order], val[order]
        present, starts, counts = np.unique(lab, return_index=True, return_counts=True)
        st = set(self.stats)
        if st & {"median", "majority"}:
            for s0, c in zip(starts.tolist(), counts.tolist(), strict=True):
                val[s0 : s0 + c].sort()
        self.count[present] = counts
        total = np.add.reduceat(val, starts)
        mean = total / counts
        put = self.values
        if "mean" in st:
            put["mean"][present] = mean
        if "sum" in st:
            put["sum"][present] = total
        if st & {"min", "range"}:
            lo = np.minimum.reduceat(val, starts)
        if st & {"max", "range"}:
            hi = np.maximum.reduceat(val, starts)
        if "min" in st:
            put["min"][present] = lo
        if "max" in st:
            put["max"][present] = hi
        if "range" in st:
            put["range"][present] = hi - lo
        if "median" in st:
            mid_lo, mid_hi = val[starts + (counts - 1) // 2], val[starts + counts // 2]
            put["median"][present] = (mid_lo + mid_hi) / 2
        if "std" in st:
            dev = (val - np.repeat(mean, counts)) ** 2
            put["std"][present] = np.sqrt(np.add.reduceat(dev, starts) / counts)
        if "majority" in st:
            new = np.ones(lab.size, dtype=bool)
            new[1:] = (val[1:] != val[:-1]) | (lab[1:] != lab[:-1])
            run_start = np.flatnonzero(new)
            run_len = np.diff(np.append(run_start, lab.size))
            run_lab = lab[run_start]
            first_run = np.searchsorted(run_start, starts)
            longest = np.maximum.reduceat(run_len, first_run)
            best = run_len == np.repeat(longest, np.diff(np.append(first_run, run_len.size)))
            # runs are sorted by value inside each district: the first longest is the smallest
            _, pick = np.unique(run_lab[best], return_index=True)
            put["majority"][present] = val[run_start[np.flatnonzero(best)[pick]]]
        if "weighted_mean" in st:
            w = w[order]
            ok = ~np.isnan(w)
            ws = np.bincount(lab[ok], weights=w[ok], minlength=self.count.size)[present]
            wv = np.bincount(lab[ok], weights=w[ok] * val[ok], minlength=self.count.size)[present]
            with np.errstate(invalid="ignore", divide="ignore"):
                put["weighted_mean"][present] = np.where(ws != 0, wv / ws, np.nan)


# --------------------------------------------------------------------------- engines
def _windows(geoms: np.ndarray, transform: Any, height: int, width: int) -> np.ndarray:
    """Pixel windows (row0, row1, col0, col1) of each geometry's bounds, clipped to the raster."""
    b = shapely.bounds(geoms)
    inv = ~transform
    cols = np.stack([(inv @ (b[:, i], b[:, j]))[0] for i, j in ((0, 1), (2, 3))], axis=1)
    rows = np.stack([(inv @ (b[:, i], b[:, j]))[1] for i, j in ((0, 1), (2, 3))], axis=1)
    out = np.zeros((len(geoms), 4), dtype=np.int64)
    ok = np.isfinite(b).all(axis=1) & ~shapely.is_empty(geoms)
    with np.errstate(invalid="ignore"):
        r0, r1 = np.floor(rows.min(axis=1)), np.ceil(rows.max(axis=1))
        c0, c1 = np.floor(cols.min(axis=1)), np.ceil(cols.max(axis=1))
    r1, c1 = np.maximum(r1, r0 + 1), np.maximum(c1, c0 + 1)
    out[ok] = np.stack([
        np.clip(r0, 0, height), np.clip(r1, 0, height), np.clip(c0, 0, width), np.clip(c1, 0, width)
    ], axis=1)[ok].astype(np.int64)
    return out


def _mappings(geoms: np.ndarray, keep: np.ndarray) -> list[dict | None]:
    """GeoJSON-like MultiPolygon mappings of ``geoms[keep]``, built once and vectorised.

    rasterio would call ``__geo_interface__`` on every rasterization, which walks the
    coordinates in Python and costs more than the rasterization itself.
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # ~200,000 small lists: the collector would cost 3x the conversion itself
    try:
        return _build_mappings(geoms, keep)
    finally:
        if gc_was_on:
            gc.enable()


def _build_mappings(geoms: np.ndarray, keep: np.ndarray) -> list[dict | None]:
    out: list[dict | None] = [None] * len(geoms)
    idx = np.flatnonzero(keep)
    parts, pidx = shapely.get_parts(geoms[idx], return_index=True)
    rings, ridx = shapely.get_rings(parts, return_index=True)
    coords = shapely.get_coordinates(rings).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(rings)).tolist()
    polys: list[list] = [[] for _ in range(len(parts))]
    for r, a, b in zip(ridx.tolist(), [0, *ends[:-1]], ends, strict=True):
        polys[r].append(coords[a:b])
    for i in idx.tolist():
        out[i] = {"type": "MultiPolygon", "coordinates": []}
    for poly, k in zip(polys, pidx.tolist(), strict=True):
        out[idx[k]]["coordinates"].append(poly)
    return out


def _label_engine(ds, shapes, wins, active, bands, nodata, weights, accs):
    """Pixel-centre statistics of all ``active`` districts by label strips.

    Returns the number of pixel centres per district and the districts to redo one by one
    (pixels claimed by more than one polygon).
    """
    n = len(shapes)
    ncentre = np.zeros(n, dtype=np.int64)
    redo = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return ncentre, redo
    r0, r1 = wins[idx, 0].min(), wins[idx, 1].max()
    c0, c1 = wins[idx, 2].min(), wins[idx, 3].max()
    width = int(c1 - c0)
    step = max(1, STRIP_PIXELS // width)
    dtype = "uint16" if n < 65535 else "int32"
    pending = [(np.empty(0, np.intp), np.empty(0), np.empty(0)) for _ in bands]
    for s in range(int(r0), int(r1), step):
        e = min(s + step, int(r1))
        win = Window(int(c0), s, width, e - s)
        tr = window_transform(win, ds.transform)
        sel = idx[(wins[idx, 0] < e) & (wins[idx, 1] > s)]
        shape = (e - s, width)
        label = np.zeros(shape, dtype=dtype)
        if sel.size:
            # one pass: each polygon adds (label * _SHIFT + 1), so the remainder counts the
            # polygons holding a pixel centre and the quotient is the label where it is 1
            burnt = features.rasterize(
                [(shapes[i], (i + 1) * _SHIFT + 1.0) for i in sel], out_shape=shape,
                transform=tr, fill=0, dtype="float64", merge_alg=MergeAlg.add,
            )
            cover = np.fmod(burnt, _SHIFT)
            label = (burnt // _SHIFT).astype(dtype)
            clash = cover > 1
            if clash.any():
                label[clash] = 0
                for i in sel:
                    rr = slice(max(wins[i, 0] - s, 0), min(wins[i, 1] - s, e - s))
                    cc = slice(wins[i, 2] - c0, wins[i, 3] - c0)
                    redo[i] |= bool(clash[rr, cc].any())
        ncentre += np.bincount(label.ravel(), minlength=n + 1)[1:]
        done = np.zeros(n + 1, dtype=bool)
        done[np.flatnonzero(wins[:, 1] <= e)] = True
        if e == int(r1):
            done[:] = True
        wgt = weights.read(win, tr) if weights is not None else None
        for k, b in enumerate(bands):
            data, mask = _read_band(ds, b, win, nodata)
            valid = (label > 0) & ~mask
            lab = np.concatenate([pending[k][0], label[valid].astype(np.intp) - 1])
            val = np.concatenate([pending[k][1], data[valid].astype(np.float64)])
            w = np.concatenate([pending[k][2], wgt[valid]]) if wgt is not None else None
            fin = done[lab]
            accs[k].add(lab[fin], val[fin], None if w is None else w[fin])
            keep = ~fin
            pending[k] = (lab[keep], val[keep], w[keep] if w is not None else np.empty(0))
    return ncentre, redo


def _district_engine(ds, geoms, shapes, wins, which, bands, nodata, weights, accs, *,
                     all_touched, point):
    """Statistics of the districts ``which`` one by one, each from its own window.

    Returns the number of pixels each district's geometry selects (before nodata).
    """
    ngeo = np.zeros(len(geoms), dtype=np.int64)
    batch: list[list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]] = [[] for _ in bands]
    size = 0

    def flush() -> None:
        for k, parts in enumerate(batch):
            if parts:
                w = np.concatenate([p[2] for p in parts]) if weights is not None else None
                accs[k].add(np.concatenate([p[0] for p in parts]),
                            np.concatenate([p[1] for p in parts]), w)
                parts.clear()

    order = sorted(which, key=lambda i: (wins[i, 0], wins[i, 2]))  # block-cache friendly
    for i in order:
        if point:
            pt = shapely.point_on_surface(geoms[i])
            col, row = (math.floor(v) for v in ~ds.transform @ (pt.x, pt.y))
            if not (0 <= row < ds.height and 0 <= col < ds.width):
                continue
            win = Window(col, row, 1, 1)
            inside = np.ones((1, 1), dtype=bool)
        else:
            r0, r1, c0, c1 = (int(v) for v in wins[i])
            win = Window(c0, r0, c1 - c0, r1 - r0)
            inside = features.geometry_mask(
                [shapes[i]], out_shape=(r1 - r0, c1 - c0),
                transform=window_transform(win, ds.transform),
                all_touched=all_touched, invert=True,
            )
        ngeo[i] = int(inside.sum())
        wtr = window_transform(win, ds.transform)
        wgt = weights.read(win, wtr) if weights is not None else None
        for k, b in enumerate(bands):
            data, mask = _read_band(ds, b, win, nodata)
            valid = inside & ~mask
            batch[k].append((np.full(int(valid.sum()), i, dtype=np.intp),
                             data[valid].astype(np.float64),
                             wgt[valid] if wgt is not None else None))
        size += int(win.width * win.height)
        if size > STRIP_PIXELS:
            flush()
            size = 0
    flush()
    return ngeo


# --------------------------------------------------------------------------- public API
@renamed(weights='population')
def zonal_stats(
    districts: gpd.GeoDataFrame,
    raster: str | os.PathLike | Any,
    *,
    stats: str | Sequence[str] = DEFAULT_STATS,
    band: int | Sequence[int] = 1,
    all_touched: bool = False,
    population: str | os.PathLike | Any | None = None,
    nodata: float | None = None,
    prefix: str | None = None,
    fallback: str | None = "touched",
    max_window_pixels: int = MAX_WINDOW_PIXELS,
    max_pixels: int = MAX_PIXELS,
    name: str | None = None,
    pixel_budget: int | None = None,
) -> pd.DataFrame:
    """Summarise a raster over each district.

    Parameters
    ----------
    districts : GeoDataFrame
        Polygons with a ``ubigeo`` column and a CRS; reprojected to the raster's CRS.
    raster : path, bytes, binary file object, or open rasterio dataset
        The value raster: a GeoTIFF (told from its bytes; a VRT, a ``/vsi...`` path or a URL is
        refused). It must have a CRS. An open dataset is used as it is.
    stats : str or list of str, default=DEFAULT_STATS
        Among ``mean, sum, min, max, median, count, majority, std, range, weighted_mean``.
        ``majority`` is the most frequent value (the smallest one on ties); ``std`` is the
        population standard deviation. Same definitions as ``rasterstats.zonal_stats``.
    band : int or list of int, default=1
        Band(s) to summarise (from 1). With a list, columns are named ``b{band}_{stat}``.
    all_touched : bool, default=False
        Use every pixel the polygon touches instead of the pixels whose centre it holds.
    population : path or open rasterio dataset, optional
        A second raster (e.g. a WorldPop population grid, band 1) giving ``weighted_mean`` =
        sum(value * weight) / sum(weight) over the district's pixels where both are valid. If
        its grid is the value raster's grid (same CRS, pixel size and aligned origin) it is
        read as is; otherwise it is reprojected on each window of the value grid with
        ``rasterio.warp.reproject`` and ``Resampling.average`` (area-weighted mean of the
        weight cells under each value cell: proportional to the population of the cell when
        pixel areas are equal, which is what a weighted mean needs).
    nodata : float, optional
        Overrides the raster's nodata value. NaN is always treated as missing in float rasters,
        and the dataset's mask band (or alpha band) is honoured.
    prefix : str, optional
        Prefix of the statistic columns: ``prefix="elev"`` gives ``elev_mean``...
    fallback : {"touched", "point", None}, default="touched"
        For a district that holds no pixel centre (smaller than a pixel): use the pixels it
        touches, or the pixel under its representative point; ``None`` leaves it empty
        (count 0). The ``touched`` fallback falls back in turn to ``point``.
    max_window_pixels : int, default=MAX_WINDOW_PIXELS
        Refuse a raster on which one district's window would exceed this many pixels.
    max_pixels : int, default=MAX_PIXELS
        Refuse to read more pixels than this in all (the districts' windows times bands).
    name : str, optional
        The raster's name in messages (the file name a user uploaded), instead of its path.
    pixel_budget : int, optional
        Read about this many pixels at most (the districts' extent times bands): a raster
        finer than that is read at a lower resolution, ``factor`` times coarser each way (the
        smallest whole factor that fits): its own overview of that factor when it has one,
        else one pixel in ``factor`` each way (nearest neighbour). Each pixel read then
        stands for ``factor``² pixels of the file: ``sum`` and ``count`` are multiplied by
        ``factor``²; ``min``, ``max``, ``majority`` and the rest are those of the pixels read.
        ``attrs["zonal"]["factor"]`` says which factor was used (1: read whole). The app reads
        uploads with ``pixel_budget=UPLOAD_PIXELS``; None (default) reads every pixel.

    Returns
    -------
    DataFrame
        One row per district in input order (same index): ``ubigeo``, the statistic columns
        (``count`` is an integer; the rest float, NaN where a district has no valid pixel) and
        ``zonal_method``: ``centre``, ``touched``, ``point`` (how the pixels were chosen),
        ``nodata`` (the district's pixels are all nodata or masked: nothing was computed) or
        ``none`` (no pixel: outside the raster, or no pixel centre with ``fallback=None``).

    Raises
    ------
    RasterError
        The raster is not a GeoTIFF, has no CRS, a rotated grid, complex values, more bands,
        pixels or bigger blocks than the limits (the message names the limit), does not
        overlap the districts, has only nodata under every district, a bad band, a
        district's window above ``max_window_pixels``, or cannot be read (truncated file).

    Examples
    --------
    A 2 x 2 raster of 1-degree pixels and a district over its top row:

    >>> import geopandas as gpd, numpy as np
    >>> from rasterio.io import MemoryFile
    >>> from rasterio.transform import from_origin
    >>> from shapely.geometry import box
    >>> from geoprio.spatial.raster import zonal_stats
    >>> districts = gpd.GeoDataFrame(
    ...     {"ubigeo": ["150101"]}, geometry=[box(-75, -11, -73, -10)], crs="EPSG:4326")
    >>> with MemoryFile() as mem:
    ...     with mem.open(driver="GTiff", width=2, height=2, count=1, dtype="float64",
    ...                   crs="EPSG:4326", transform=from_origin(-75, -10, 1, 1)) as ds:
    ...         ds.write(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    ...     with mem.open() as ds:
    ...         table = zonal_stats(districts, ds, stats=["mean", "count"])
    >>> table
       ubigeo  mean  count zonal_method
    0  150101   1.5      2       centre

    On the real map: ``zonal_stats(geoprio.load_districts(), "worldpop_1km.tif",
    stats="sum")``.
    """
    _check_zonal_districts(districts)
    stats = _check_stats(stats, population)
    if not isinstance(all_touched, bool):
        raise TypeError(f"all_touched must be True or False, got {all_touched!r}")
    if fallback not in FALLBACKS:
        raise InputError(f"fallback must be one of {FALLBACKS}; got {fallback!r}")
    if nodata is not None and not isinstance(nodata, (int, float, np.number)):
        raise TypeError(f"nodata must be a number or None, got {nodata!r}")
    if prefix is not None and not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string or None, got {prefix!r}")
    for arg, value in (("max_window_pixels", max_window_pixels), ("max_pixels", max_pixels),
                       ("pixel_budget", 1 if pixel_budget is None else pixel_budget)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{arg} must be a positive integer, got {value!r}")
    nodata = None if nodata is None else float(nodata)

    with ExitStack() as stack:
        stack.enter_context(gdal_guard())
        ds, label = stack.enter_context(_opened(raster, "raster", name))
        _check_dataset(ds, "raster", label)
        wds = None
        if population is not None:
            wds, wlabel = stack.enter_context(_opened(population, "population", None))
            _check_dataset(wds, "population", wlabel)
        try:
            factor = 1 if pixel_budget is None else _coarsening(districts, ds, band,
                                                                 pixel_budget, label)
            if factor > 1:
                ds, factor = stack.enter_context(_coarser(ds, factor, nodata))
            out = _zonal(districts, ds, wds, label, stats=stats, band=band,
                         all_touched=all_touched, nodata=nodata, prefix=prefix,
                         fallback=fallback, max_window_pixels=max_window_pixels,
                         max_pixels=max_pixels)
            return _scaled(out, factor, stats)
        except _ReadFailed as exc:
            raise RasterError(f"raster {label} cannot be read ({one_line(exc, 200)}); the "
                              "file is truncated or damaged: export it again") from exc
        except (GeoprioError, TypeError):
            raise
        except MemoryError as exc:
            raise RasterError(f"raster {label}: not enough memory to read it; resample it "
                              "(gdalwarp -tr) or lower max_pixels") from exc
        except Exception as exc:  # a failure on a file it does not expect: name the file
            logger.debug("raster %s: unexpected error", label, exc_info=True)
            raise RasterError(f"raster {label} cannot be used ({type(exc).__name__}: "
                              f"{one_line(bare_paths(exc), 160)})") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _check_zonal_districts(districts: Any) -> None:
    """Districts for :func:`zonal_stats`: a GeoDataFrame of polygons with ``ubigeo`` and a
    CRS."""
    if not isinstance(districts, gpd.GeoDataFrame):
        raise TypeError(f"districts must be a GeoDataFrame, got {type(districts).__name__}")
    if "ubigeo" not in districts.columns:
        raise GeometryError(
            f"districts must have a 'ubigeo' column; columns are {list(districts.columns)}"
        )
    if districts.crs is None:
        raise GeometryError("districts have no CRS; set one with districts.set_crs(...)")
    kinds = districts.geometry.geom_type
    odd = kinds.notna() & ~kinds.isin(["Polygon", "MultiPolygon"]) & ~districts.geometry.is_empty
    if odd.any():
        raise GeometryError(
            f"districts must be polygons; {int(odd.sum())} are not (e.g. ubigeo "
            f"{districts['ubigeo'][odd].iloc[0]} is a {kinds[odd].iloc[0]})"
        )


def _coarsening(districts: gpd.GeoDataFrame, ds: Any, band: Any, budget: int,
                label: str) -> int:
    """The smallest whole factor by which the raster's grid must be coarsened so that the
    pixels over the districts' extent, times the bands, fit in ``budget`` (1: no need)."""
    from rasterio.warp import transform_bounds

    bands, _ = _check_bands(band, ds.count)
    left, bottom, right, top = transform_bounds(districts.crs, ds.crs,
                                                *districts.total_bounds, densify_pts=21)
    rb = ds.bounds
    width = max(0.0, min(right, rb.right) - max(left, rb.left)) / abs(ds.transform.a)
    height = max(0.0, min(top, rb.top) - max(bottom, rb.bottom)) / abs(ds.transform.e)
    pixels = width * height * len(bands)
    if pixels <= budget:
        return 1
    factor = math.ceil(math.sqrt(pixels / budget))
    factor = min(factor, max(1, min(ds.width, ds.height)))
    logger.warning("raster %s: about %s pixels over the districts, above the budget of %s; "
                   "read %d times coarser each way", label, f"{pixels:,.0f}", f"{budget:,}",
                   factor)
    return factor


@contextmanager
def _coarser(ds: Any, factor: int, nodata: float | None) -> Iterator[tuple[Any, int]]:
    """The raster seen ``factor`` times coarser, and the factor it has: its own overview when
    it has one of that factor or coarser (the finest such), else one pixel in ``factor`` each
    way (nearest neighbour)."""
    from affine import Affine
    from rasterio.vrt import WarpedVRT

    levels = ds.overviews(1)
    usable = [i for i, f in enumerate(levels) if f >= factor]
    if usable and all(ds.overviews(b) == levels for b in ds.indexes):
        with rasterio.open(ds.name, driver="GTiff", overview_level=usable[0]) as ovr:
            yield ovr, max(1, round(ds.width / ovr.width))
        return
    kwargs: dict[str, Any] = {}
    source_nodata = nodata if nodata is not None else ds.nodata
    if source_nodata is not None:
        kwargs.update(src_nodata=source_nodata, nodata=source_nodata)
    else:
        kwargs.update(add_alpha=any(MaskFlags.per_dataset in f or MaskFlags.alpha in f
                                    for f in ds.mask_flag_enums))
    with WarpedVRT(ds, crs=ds.crs, transform=ds.transform * Affine.scale(factor),
                   width=max(1, ds.width // factor), height=max(1, ds.height // factor),
                   resampling=Resampling.nearest, **kwargs) as vrt:
        yield vrt, factor


def _scaled(out: pd.DataFrame, factor: int, stats: list[str]) -> pd.DataFrame:
    """Sums and counts of a coarsened read, each pixel standing for ``factor``² pixels."""
    if factor > 1:
        for col in out.columns:
            kind = str(col).rsplit("_", 1)[-1]
            if kind in ("sum", "count") and kind in stats:
                out[col] = out[col] * factor**2
    out.attrs["zonal"] = {"factor": factor}
    return out


def _zonal(districts: gpd.GeoDataFrame, ds: Any, wds: Any, label: str, *, stats: list[str],
           band: Any, all_touched: bool, nodata: float | None, prefix: str | None,
           fallback: str | None, max_window_pixels: int, max_pixels: int) -> pd.DataFrame:
    """The statistics of :func:`zonal_stats` on open, checked datasets."""
    bands, multi = _check_bands(band, ds.count)
    wsrc = _Weights(wds, ds) if wds is not None else None
    geoms = _in_raster_crs(districts, ds, label)
    wins = _windows(geoms, ds.transform, ds.height, ds.width)
    inside = _check_windows(wins, districts, len(bands), label, max_window_pixels, max_pixels)
    accs = [_Accumulator(len(geoms), stats) for _ in bands]
    kw = {"bands": bands, "nodata": nodata, "weights": wsrc, "accs": accs}
    method = _accumulate(ds, geoms, wins, inside, kw, all_touched=all_touched,
                         fallback=fallback)
    no_valid = np.logical_and.reduce([acc.count == 0 for acc in accs])
    nodata_only = inside & (method != "none") & no_valid
    method[nodata_only] = "nodata"
    if inside.any() and no_valid[inside].all():
        value = "NaN" if nodata is None and ds.nodata is None else (
            f"{nodata if nodata is not None else ds.nodata:g}")
        raise RasterError(
            f"raster {label}: every pixel under the districts is nodata ({value}) or masked, so "
            "nothing can be computed; check the raster's nodata value (or pass nodata=...) and "
            "that it holds data over Peru")
    if not all_touched:
        for m in ("touched", "point"):
            if (method == m).any():
                logger.info("%d districts hold no pixel centre: zonal_method %r",
                            int((method == m).sum()), m)
    return _zonal_frame(districts, label, bands, accs, stats, multi=multi, prefix=prefix,
                        method=method, nodata_only=nodata_only)


def _in_raster_crs(districts: gpd.GeoDataFrame, ds: Any, label: str) -> np.ndarray:
    """The districts' geometries in the raster's CRS; a raster that misses them all is
    refused."""
    rcrs = pyproj.CRS.from_user_input(ds.crs.to_wkt())
    geo = districts.geometry
    if not rcrs.equals(geo.crs, ignore_axis_order=True):
        try:
            geo = geo.to_crs(rcrs)
        except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
            raise RasterError(f"raster {label}: its CRS ({one_line(rcrs.name, 80)}) cannot be "
                              f"related to the districts' ({one_line(exc, 100)}); warp it to "
                              "EPSG:4326 or a UTM zone of Peru (gdalwarp -t_srs)") from exc
    geoms = np.asarray(geo.values, dtype=object)
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        tb = (np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1]),
              np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3]))
    rb = ds.bounds
    if not (tb[0] < rb.right and tb[2] > rb.left and tb[1] < rb.top and tb[3] > rb.bottom):
        raise RasterError(
            f"raster {label} does not overlap the districts: raster bounds "
            f"{tuple(round(v, 6) for v in rb)} and district bounds "
            f"{tuple(round(float(v), 6) for v in tb)} (left, bottom, right, top in "
            f"{ds.crs.to_string()}); check that the raster covers Peru and its CRS is right"
        )
    return geoms


def _check_windows(wins: np.ndarray, districts: gpd.GeoDataFrame, n_bands: int, label: str,
                   max_window_pixels: int, max_pixels: int) -> np.ndarray:
    """Which districts' windows hold pixels; no window, nor all of them together, above its
    pixel bound."""
    area = (wins[:, 1] - wins[:, 0]) * (wins[:, 3] - wins[:, 2])
    big = np.flatnonzero(area > max_window_pixels)
    if big.size:
        i = big[np.argmax(area[big])]
        raise RasterError(
            f"raster {label} is too fine for district {districts['ubigeo'].iloc[i]}: its window "
            f"has {int(area[i]):,} pixels, above max_window_pixels={max_window_pixels:,}; "
            "resample the raster (gdalwarp -tr) or raise max_window_pixels"
        )
    inside = area > 0
    if inside.any():
        r0, r1 = wins[inside, 0].min(), wins[inside, 1].max()
        c0, c1 = wins[inside, 2].min(), wins[inside, 3].max()
        total = int((r1 - r0) * (c1 - c0)) * n_bands
        if total > max_pixels:
            raise RasterError(
                f"raster {label}: the districts cover {int(r1 - r0):,} x {int(c1 - c0):,} pixels "
                f"x {n_bands} band(s) = {total:,} pixels to read, above "
                f"max_pixels={max_pixels:,}; resample the raster (gdalwarp -tr), read fewer "
                "bands, or raise max_pixels")
    return inside


def _accumulate(ds: Any, geoms: np.ndarray, wins: np.ndarray, inside: np.ndarray,
                kw: dict[str, Any], *, all_touched: bool, fallback: str | None) -> np.ndarray:
    """Pixels read into the accumulators of ``kw``: by centre (districts that overlap others
    one by one) or all touched, then the fallbacks for districts that hold no pixel. Returns
    each district's zonal method ("centre", "touched", "point", "none")."""
    shapes = _mappings(geoms, inside)
    which = np.flatnonzero(inside)
    method = np.where(inside, "centre", "none").astype(object)
    if all_touched:
        npix = _district_engine(ds, geoms, shapes, wins, which, all_touched=True,
                                point=False, **kw)
        method[inside] = "touched"
    else:
        npix, redo = _label_engine(ds, shapes, wins, inside, **kw)
        if redo.any():
            logger.info("%d districts share pixels with an overlapping polygon; computed "
                        "one by one", int(redo.sum()))
            for acc in kw["accs"]:
                acc.reset(np.flatnonzero(redo))
            got = _district_engine(ds, geoms, shapes, wins, np.flatnonzero(redo),
                                   all_touched=False, point=False, **kw)
            npix[redo] = got[redo]
    empty = inside & (npix == 0)
    if fallback == "touched" and empty.any():
        got = _district_engine(ds, geoms, shapes, wins, np.flatnonzero(empty),
                               all_touched=True, point=False, **kw)
        method[empty & (got > 0)] = "touched"
        empty &= got == 0
    if fallback is not None and empty.any():
        got = _district_engine(ds, geoms, shapes, wins, np.flatnonzero(empty),
                               all_touched=False, point=True, **kw)
        method[empty & (got > 0)] = "point"
        empty &= got == 0
    method[empty] = "none"
    return method


def _zonal_frame(districts: gpd.GeoDataFrame, label: str, bands: list[int], accs: list[Any],
                 stats: list[str], *, multi: bool, prefix: str | None, method: np.ndarray,
                 nodata_only: np.ndarray) -> pd.DataFrame:
    """``ubigeo``, a column per band and statistic, and ``zonal_method``; districts without
    a valid pixel logged."""
    ubigeo = districts["ubigeo"].to_numpy()
    out = {"ubigeo": districts["ubigeo"].array}
    if nodata_only.any():
        logger.warning("%s: %d districts have only nodata pixels (zonal_method 'nodata'), e.g. "
                       "%s", label, int(nodata_only.sum()),
                       ", ".join(map(str, ubigeo[nodata_only][:5])))
    for b, acc in zip(bands, accs, strict=True):
        zero = acc.count == 0
        if zero.any():
            logger.warning(
                "%d of %d districts have no valid pixel in band %d (outside the raster or only "
                "nodata); their statistics are NaN with count 0, e.g. %s",
                int(zero.sum()), zero.size, b, ", ".join(map(str, ubigeo[zero][:5])),
            )
        for s in stats:
            name = f"b{b}_{s}" if multi else s
            name = f"{prefix}_{name}" if prefix else name
            out[name] = acc.count.copy() if s == "count" else acc.values[s]
    out["zonal_method"] = pd.array(method.tolist(), dtype="string")
    return pd.DataFrame(out, index=districts.index)


def add_zonal_indicator(
    districts: pd.DataFrame,
    catalog: pd.DataFrame,
    zonal_frame: pd.DataFrame,
    *,
    column: str,
    id: str,
    label_es: str,
    label_en: str,
    unit: str,
    higher_is_worse: bool,
    source: str,
    year: int | None = None,
    kind: str = "indicator",
    aggregate: str | None = None,
    description: str | None = None,
    caveats: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add one column of a :func:`zonal_stats` result as a scorable indicator.

    Parameters
    ----------
    districts : DataFrame or GeoDataFrame
        The district frame (with ``ubigeo``); not modified.
    catalog : DataFrame
        The indicator catalog (columns ``id, label_es, label_en, unit, year, source,
        higher_is_worse, kind, description, caveats``); not modified.
    zonal_frame : DataFrame
        Output of :func:`zonal_stats` (``ubigeo`` plus statistic columns).
    column : str
        The statistic column to add (e.g. ``"mean"``).
    id : str
        The new indicator id (lower-case letters, digits and ``_``), not yet used.
    label_es, label_en, source : str
        Labels and source shown to users and in exports.
    unit : str
        The unit (``""`` when it has none).
    higher_is_worse : bool
        Direction used by the scoring.
    year : int, optional
    kind : str, default="indicator"
        Catalog kind (``indicator`` is scored; ``context`` is shown only).
    aggregate : str, optional
        Roll-up rule to provinces and departments, written only if the catalog has an
        ``aggregate`` column. Default: ``sum`` for a ``sum``/``count`` column, else
        ``wmean:pop_2020`` when the districts have ``pop_2020``, else ``none``.
    description, caveats : str, optional
        Defaults describe the zonal statistic and count the districts without pixels or
        computed by a fallback.

    Returns
    -------
    (DataFrame, DataFrame)
        The districts with the new column ``id`` (float, NaN where no value) and the catalog
        with one more row (``kind="indicator"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from geoprio.spatial.raster import add_zonal_indicator
    >>> districts = pd.DataFrame({"ubigeo": ["150101", "150102"]})
    >>> zonal = pd.DataFrame({"ubigeo": ["150101", "150102"], "mean": [35.0, 80.5]})
    >>> catalog = pd.DataFrame(columns=["id", "label_es", "label_en", "unit", "year", "source",
    ...                                 "higher_is_worse", "kind", "description", "caveats"])
    >>> districts, catalog = add_zonal_indicator(
    ...     districts, catalog, zonal, column="mean", id="travel_time_min",
    ...     label_es="Tiempo de viaje", label_en="Travel time", unit="min",
    ...     higher_is_worse=True, source="Malaria Atlas Project 2019")
    >>> districts["travel_time_min"].tolist()
    [35.0, 80.5]
    >>> catalog[["id", "unit", "higher_is_worse", "kind"]].values.tolist()
    [['travel_time_min', 'min', True, 'indicator']]
    """
    _check_zonal_indicator(districts, catalog, zonal_frame, column=column, id=id,
                           texts={"label_es": label_es, "label_en": label_en, "unit": unit,
                                  "source": source, "description": description,
                                  "caveats": caveats},
                           higher_is_worse=higher_is_worse)
    zkeys = zonal_frame["ubigeo"].astype(str)
    dkeys = districts["ubigeo"].astype(str)
    if aggregate is None:
        if column.split("_")[-1] in ("sum", "count"):
            aggregate = "sum"
        else:
            aggregate = "wmean:pop_2020" if "pop_2020" in districts.columns else "none"
    values = pd.Series(pd.to_numeric(zonal_frame[column]).to_numpy(dtype=float), index=zkeys)
    out = districts.copy()
    out[id] = dkeys.map(values).to_numpy(dtype=float)
    if caveats is None:
        caveats = _zonal_caveats(out[id], zonal_frame, zkeys, dkeys)
    row = {
        "id": id, "label_es": label_es, "label_en": label_en, "unit": unit,
        "year": pd.NA if year is None else year, "source": source,
        "higher_is_worse": bool(higher_is_worse), "kind": kind, "aggregate": aggregate,
        "description": description or f"Zonal statistic '{column}' of a raster over each district.",
        "caveats": caveats,
    }
    new_row = pd.DataFrame([{c: row.get(c, pd.NA) for c in catalog.columns}])
    new_catalog = pd.concat([catalog, new_row.astype(catalog.dtypes.to_dict(), errors="ignore")],
                            ignore_index=True)
    return out, new_catalog


def _check_zonal_indicator(districts: Any, catalog: Any, zonal_frame: Any, *, column: Any,
                           id: Any, texts: dict[str, Any], higher_is_worse: Any) -> None:
    """The arguments of :func:`add_zonal_indicator`: frames, texts within their bounds, a
    catalog with its columns, a new id, a zonal frame with one row per district."""
    label_es, label_en, unit, source, description, caveats = (
        texts[k] for k in ("label_es", "label_en", "unit", "source", "description", "caveats"))
    for name, value in (("districts", districts), ("catalog", catalog),
                        ("zonal_frame", zonal_frame)):
        if not isinstance(value, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame, got {type(value).__name__}")
    for name, value in (("column", column), ("id", id), ("label_es", label_es),
                        ("label_en", label_en), ("source", source)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{name} must be a non-empty string, got {clip(value)}")
    if not isinstance(unit, str):
        raise InputError(f"unit must be a string ('' when it has none), got {clip(unit)}")
    for name, value, limit in (("label_es", label_es, MAX_LABEL), ("label_en", label_en, MAX_LABEL),
                               ("unit", unit, MAX_UNIT), ("source", source, MAX_SOURCE),
                               ("description", description or "", MAX_NOTE),
                               ("caveats", caveats or "", MAX_NOTE)):
        check_text(str(value), name, limit)
    if not isinstance(higher_is_worse, (bool, np.bool_)):
        raise TypeError(f"higher_is_worse must be True or False, got {higher_is_worse!r}")
    missing = [c for c in _CATALOG_COLUMNS if c not in catalog.columns]
    if missing:
        raise InputError(f"catalog lacks the columns {missing}; expected {list(_CATALOG_COLUMNS)}")
    for name, frame in (("districts", districts), ("zonal_frame", zonal_frame)):
        if "ubigeo" not in frame.columns:
            raise JoinError(f"{name} has no 'ubigeo' column; columns are {list(frame.columns)}")
    if column not in zonal_frame.columns:
        raise InputError(
            f"column must be one of the zonal_frame columns {list(zonal_frame.columns)}; "
            f"got {column!r}"
        )
    check_indicator_id(id, what="id")
    if id in districts.columns or id in set(catalog["id"].astype(str)):
        raise InputError(f"id {id!r} is already a column of districts or an id of the catalog")
    zkeys = zonal_frame["ubigeo"].astype(str)
    dup = zkeys[zkeys.duplicated()]
    if len(dup):
        raise JoinError(f"zonal_frame has {len(dup)} duplicated ubigeo, e.g. {list(dup[:5])}")
    dkeys = districts["ubigeo"].astype(str)
    absent = dkeys[~dkeys.isin(zkeys)]
    if len(absent):
        raise JoinError(
            f"{len(absent)} districts are not in zonal_frame, e.g. {list(absent[:5])}; compute "
            "the zonal statistics on the same districts"
        )


def _zonal_caveats(values: pd.Series, zonal_frame: pd.DataFrame, zkeys: pd.Series,
                   dkeys: pd.Series) -> str:
    """The default caveats of a zonal indicator: districts without a value, and those
    smaller than a pixel computed by a fallback."""
    notes = [f"{int(values.isna().sum())} districts without a value"]
    if "zonal_method" in zonal_frame.columns:
        m = zonal_frame.set_index(zkeys)["zonal_method"].reindex(dkeys)
        for k, text in (("touched", "from the pixels they touch"),
                        ("point", "from the pixel under an inner point")):
            if (m == k).any() and not (m == k).all():
                notes.append(f"{int((m == k).sum())} districts smaller than a pixel {text}")
    return "; ".join(notes) + "."


def isolated_task(where: Path, **kwargs: Any) -> pd.DataFrame:
    """The reading child's task (:mod:`geoprio.readers.isolated`): zonal statistics of the
    uploaded raster in ``where`` over the shipped districts."""
    from geoprio.data.shipped import load_districts

    return zonal_stats(load_districts(), where / "payload", **kwargs)
