"""Write the corpus of bad input files used by ``tests/test_io.py``.

Run from anywhere: ``python tests/data/bad/make_corpus.py``. Every file is written the same
way byte for byte on each run (fixed timestamps in zips, GeoPackages and XLSX), so the corpus
can be regenerated and diffed. Big files (tens of MB, zip bombs) are not stored here: the
tests build them in a temporary folder.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED = (1980, 1, 1, 0, 0, 0)

# A square of about 1.1 km around Lima's Plaza de Armas and one around Chachapoyas (lon, lat).
LIMA = [(-77.035, -12.050), (-77.025, -12.050), (-77.025, -12.040), (-77.035, -12.040),
        (-77.035, -12.050)]
CHACHAPOYAS = [(-77.875, -6.235), (-77.865, -6.235), (-77.865, -6.225), (-77.875, -6.225),
               (-77.875, -6.235)]


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def tables() -> None:
    write("empty.csv", b"")
    write("only_header.csv", b"ubigeo;distrito;anemia (%)\r\n")
    write("latin1_semicolon.csv", (
        "Reporte de cobertura de vacunas - DIRESA Amazonas\r\n"
        "Fuente: HIS MINSA 2023\r\n"
        "\r\n"
        "UBIGEO;Distrito;Cobertura (%);Niños vacunados\r\n"
        "10101;Chachapoyas;85,5;1.234\r\n"
        "10102;Asunción;(SD);17\r\n"
        "10103;Balsas;72,25;2.001\r\n"
        "10104;Cheto;-;40\r\n").encode("latin-1"))
    utf16 = ("ubigeo,distrito,desnutricion\r\n"
             "150101,Lima,5.5\r\n"
             "150102,Ancón,7.25\r\n"
             "150103,Ate,6.0\r\n")
    write("utf16.csv", utf16.encode("utf-16"))  # with BOM (FF FE)
    write("utf16le_nobom.csv", utf16.encode("utf-16-le"))
    write("tabs.tsv", (b"ubigeo\tdistrito\tpobreza\n"
                       b"080101\tCusco\t12,5\n"
                       b"080102\tCcorca\t61,75\n"
                       b"080103\tPoroy\t30\n"))
    write("thousands.csv", (b"ubigeo;poblacion;superficie_km2\n"
                            b"150101;1.234.567;21,98\n"
                            b"150103;2.500;77,72\n"
                            b"150132;1.038.495;131,25\n"))
    write("thousands_comma.csv", (b'ubigeo,poblacion,ingreso\n'
                                  b'150101,"1,234,567",1520.5\n'
                                  b'150103,"2,500",980\n'
                                  b'150132,"1,038,495",1100.25\n'))
    write("codes_5_7_digits.csv", (b"ubigeo,valor\n"
                                   b"10101,1\n"
                                   b"1010101,2\n"
                                   b"80915,3\n"
                                   b"150101,4\n"
                                   b"15010,5\n"))
    write("text_in_numbers.csv", (b"ubigeo,distrito,anemia\n"
                                  b"010101,Chachapoyas,30.1\n"
                                  b"010102,Asuncion,41.2\n"
                                  b"010103,Balsas,s/d\n"
                                  b"010104,Cheto,25\n"
                                  b"010105,Chiliquin,33.3\n"
                                  b"010106,Chuquibamba,no reporta\n"
                                  b"010107,Granada,28.8\n"
                                  b"010108,Huancas,(SD)\n"
                                  b"010109,La Jalca,36\n"
                                  b"010110,Leimebamba,22.5\n"))
    write("pct_out_of_range.csv", (b"ubigeo,anemia (%),pobreza_pct,poblacion\n"
                                   b"010101,30.5,20,500\n"
                                   b"010102,120.5,35,1200\n"
                                   b"010103,-3,101,800\n"
                                   b"010104,45,15,90\n"))
    write("dup_codes.csv", (b"ubigeo,anemia,distrito\n"
                            b"010101,30.5,Chachapoyas\n"
                            b"010102,41,Asuncion\n"
                            b"010101,33.0,Chachapoyas\n"
                            b"010102,41,Asuncion\n"
                            b"010103,25,Balsas\n"))
    write("no_key.csv", (b"distrito,provincia,anemia\n"
                         b"Chachapoyas,Chachapoyas,30.5\n"
                         b"Asuncion,Chachapoyas,41\n"))


def merged_header_xlsx() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Indicadores"
    ws["A1"] = "Indicadores por distrito - DIRESA Amazonas"
    ws.append([])
    ws.append(["UBIGEO", "Distrito", "Cobertura", None, "Anemia (%)", None])
    ws.append([None, None, 2020, 2021, 2020, 2021])
    ws.append(["010101", "Chachapoyas", 85.5, 88.0, 30.1, 28.4])
    ws.append([10102, "Asunción", 70.25, None, 41.2, 39.9])
    ws.append(["010103", "Balsas", 64.0, 66.5, "s/d", 25.0])
    ws.append(["010104", "Cheto", 91.0, 90.5, 22.7, 20.1])
    ws.append(["010105", "Chiliquín", 55.5, 60.0, 35.0, 33.3])
    for cells in ("A3:A4", "B3:B4", "C3:D3", "E3:F3"):
        ws.merge_cells(cells)
    wb.properties.created = wb.properties.modified = datetime(2000, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    write("merged_header.xlsx", _refixed_zip(buf.getvalue()))


def _refixed_zip(data: bytes) -> bytes:
    """The same zip with fixed member timestamps (openpyxl stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                import re

                body = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>",
                              b'<dcterms:modified xsi:type="dcterms:W3CDTF">'
                              b"2000-01-01T00:00:00Z</dcterms:modified>", body)
            zi = zipfile.ZipInfo(info.filename, FIXED)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()


def _fc(features: list[dict], crs: str | None = None) -> bytes:
    fc: dict = {"type": "FeatureCollection"}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    fc["features"] = features
    return json.dumps(fc, indent=1).encode()


def _feature(props: dict, geom: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom}


def geojson() -> None:
    bowtie = [(-77.035, -12.050), (-77.025, -12.040), (-77.025, -12.050), (-77.035, -12.040),
              (-77.035, -12.050)]
    write("invalid_polygon.geojson", _fc([
        _feature({"UBIGEO": "150101", "nombre": "Lima (bowtie)"},
                 {"type": "Polygon", "coordinates": [bowtie]}),
        _feature({"UBIGEO": "010101", "nombre": "Chachapoyas"},
                 {"type": "Polygon", "coordinates": [CHACHAPOYAS]}),
        _feature({"UBIGEO": "150102", "nombre": "sin geometria"}, None),
        _feature({"UBIGEO": "150103", "nombre": "vacio"},
                 {"type": "Polygon", "coordinates": []}),
    ]))
    write("points_not_polygons.geojson", _fc([
        _feature({"ubigeo": "150101"}, {"type": "Point", "coordinates": [-77.03, -12.045]}),
        _feature({"ubigeo": "010101"}, {"type": "Point", "coordinates": [-77.87, -6.23]}),
        _feature({"ubigeo": "150102"}, {"type": "LineString",
                                        "coordinates": [[-77.1, -11.8], [-77.0, -11.7]]}),
    ]))
    write("z_coords.geojson", _fc([
        _feature({"ubigeo": 150101}, {"type": "Polygon",
                                      "coordinates": [[[x, y, 154.0] for x, y in LIMA]]}),
        _feature({"ubigeo": 10101}, {"type": "Polygon",
                                     "coordinates": [[[x, y, 2335.0] for x, y in CHACHAPOYAS]]}),
    ]))
    write("other_codes.geojson", _fc([
        _feature({"codigo": "1501"}, {"type": "Polygon", "coordinates": [LIMA]}),
        _feature({"codigo": "150101"}, {"type": "Polygon", "coordinates": [LIMA]}),
        _feature({"codigo": "15010199"}, {"type": "Polygon", "coordinates": [CHACHAPOYAS]}),
    ]))


def _frame(epsg: int):
    import geopandas as gpd
    from shapely.geometry import Polygon

    g = gpd.GeoDataFrame({"UBIGEO": [150101, 10101], "NOMBDIST": ["LIMA", "CHACHAPOYAS"]},
                         geometry=[Polygon(LIMA), Polygon(CHACHAPOYAS)], crs="EPSG:4326")
    return g.to_crs(epsg)


def geopackages() -> None:
    os.environ["OGR_CURRENT_DATE"] = "2000-01-01T00:00:00.000Z"
    for name, epsg in (("utm18s.gpkg", 32718), ("psad56.gpkg", 24878)):
        path = HERE / name
        path.unlink(missing_ok=True)
        _frame(epsg).to_file(path, layer="distritos", driver="GPKG", engine="pyogrio",
                             SPATIAL_INDEX="NO")
        con = sqlite3.connect(path)
        con.execute("PRAGMA page_size=512")
        con.execute("VACUUM")
        con.close()


def _shapefile_parts(epsg: int) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "distritos.shp"
        _frame(epsg).to_file(shp, engine="pyogrio", ENCODING="UTF-8")
        parts = {p.suffix: p.read_bytes() for p in Path(tmp).iterdir()}
    dbf = bytearray(parts[".dbf"])
    dbf[1:4] = bytes([100, 1, 1])  # the DBF header's "last update" date: 2000-01-01
    parts[".dbf"] = bytes(dbf)
    return parts


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in members:
            zi = zipfile.ZipInfo(name, FIXED)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, body)
    return out.getvalue()


def zips() -> None:
    parts = _shapefile_parts(32718)
    write("no_crs_shapefile.zip", _zip([(f"distritos{e}", parts[e])
                                        for e in (".shp", ".shx", ".dbf", ".cpg")]))
    write("missing_dbf.zip", _zip([(f"distritos{e}", parts[e]) for e in (".shp", ".shx", ".prj")]))
    write("zip_slip.zip", _zip([
        ("../../evil/distritos.shp", parts[".shp"]),
        ("/tmp/geoprio_zip_slip/distritos.shx", parts[".shx"]),
        ("..\\..\\distritos.dbf", parts[".dbf"]),
        ("C:/temp/distritos.prj", parts[".prj"]),
    ]))
    inner = _zip([(f"distritos{e}", parts[e]) for e in (".shp", ".shx", ".dbf", ".prj")])
    write("nested.zip", _zip([("distritos.zip", inner)]))


def main() -> None:
    tables()
    merged_header_xlsx()
    geojson()
    geopackages()
    zips()
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix != ".py")
    print(f"{len([p for p in HERE.iterdir() if p.suffix != '.py'])} files, {total:,} bytes")


if __name__ == "__main__":
    main()
