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


# --------------------------------------------------------------------------- second round
# Hostile files of issue 13, one or more per class. Each is small; what needs a server, a path
# of the test machine or tens of MB is built by the tests themselves.

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _xlsx(sheet_xml: str, shared_xml: str | None = None) -> bytes:
    """A minimal workbook (one sheet "Hoja1") around a sheet's XML, fixed timestamps."""
    ct_shared = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                 if shared_xml else "")
    rel_shared = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                  if shared_xml else "")
    parts = [
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.'
         'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
         '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
         'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
         '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
         'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' + ct_shared + "</Types>"),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
         'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
         '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml",
         f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_NS}" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheets><sheet name="Hoja1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
         'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
         '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
         'Target="worksheets/sheet1.xml"/>' + rel_shared + "</Relationships>"),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ]
    if shared_xml:
        parts.append(("xl/sharedStrings.xml", shared_xml))
    return _zip([(n, b.encode("utf-8")) for n, b in parts])


def _sheet(rows_xml: str, dimension: str = "A1:C3") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>')


def _istr(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _district_rows(n: int) -> str:
    """A header and ``n`` rows of Amazonas districts (codes 010101...) with a value."""
    out = [f'<row r="1">{_istr("A1", "ubigeo")}{_istr("B1", "distrito")}'
           f'{_istr("C1", "anemia")}</row>']
    for i in range(n):
        r = i + 2
        out.append(f'<row r="{r}">{_istr(f"A{r}", f"0101{i + 1:02d}")}'
                   f'{_istr(f"B{r}", f"Distrito {i + 1}")}<c r="C{r}"><v>{20 + i % 30}.5</v></c>'
                   "</row>")
    return "".join(out)


N_LAST_CELL = 178  # rows of districts: the workbook is 4.7 KB, as in the issue


def hostile_workbooks() -> None:
    # the workbook: a real-looking table and one value in the sheet's last cell
    # (XFD1048576); calamine allocated 512 GB for it and aborted the process
    rows = _district_rows(N_LAST_CELL) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    write("last_cell.xlsx", _xlsx(_sheet(rows, "A1:XFD1048576")))
    # the used range reaches the last cell, but only with formatting: read as the table it is
    rows = _district_rows(3) + '<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    write("last_cell_formatting_only.xlsx", _xlsx(_sheet(rows, "A1:XFD1048576")))
    # shared strings declaring 2^31 - 1 entries, padded with empty strings
    shared = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_NS}" count="2147483647" '
              'uniqueCount="2147483647"><si><t>ubigeo</t></si><si><t>valor</t></si>'
              "<si><t>010101</t></si>" + "<si><t></t></si>" * 5000 + "</sst>")
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>7.5</v></c></row>')
    write("padded_shared_strings.xlsx", _xlsx(_sheet(rows, "A1:B2"), shared))
    # a shared-string index beyond the table of strings
    rows = '<row r="1"><c r="A1" t="s"><v>999999</v></c></row>'
    write("shared_string_out_of_range.xlsx",
          _xlsx(_sheet(rows, "A1"), f'<sst xmlns="{_NS}"><si><t>x</t></si></sst>'))
    # entity expansion ("billion laughs") in the sheet's XML
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                        for i in range(1, 10))
              + f']><worksheet xmlns="{_NS}"><sheetData><row r="1">'
              '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    write("entity_expansion.xlsx", _xlsx(laughs))
    # a number too large for a float, and a 400-digit integer
    rows = (f'<row r="1">{_istr("A1", "ubigeo")}{_istr("B1", "valor")}</row>'
            f'<row r="2">{_istr("A2", "010101")}<c r="B2"><v>1e400</v></c></row>'
            f'<row r="3">{_istr("A3", "010102")}<c r="B3"><v>{"9" * 400}</v></c></row>'
            f'<row r="4">{_istr("A4", "010103")}<c r="B4"><v>12.5</v></c></row>')
    write("not_finite.xlsx", _xlsx(_sheet(rows, "A1:B4")))
    write("csv_named_xlsx.xlsx", b"ubigeo,valor\r\n010101,5\r\n")


def hostile_tables() -> None:
    lines = ["ubigeo,distrito,anemia"] + [f"0101{i:02d},Distrito {i},{20 + i}.5"
                                          for i in range(1, 51)]
    broken = list(lines)
    broken[3] = '010103,"Balsas,23.5'  # the quote opens on line 4 and is never closed
    write("unclosed_quote.csv", ("\r\n".join(broken) + "\r\n").encode())
    spans = list(lines)
    spans[3] = '010103,"Balsas,23.5'
    spans[6] = '010106,Chuquibamba",26.5'  # ...and closes three lines later
    write("quote_spans_rows.csv", ("\r\n".join(spans) + "\r\n").encode())
    write("not_finite.csv", ("ubigeo;valor;otro\r\n010101;1e400;1\r\n010102;-1e309;2\r\n"
                             f"010103;{'9' * 400};3\r\n010104;12,5;4\r\n010105;7;5\r\n"
                             "010106;8;6\r\n").encode())
    text = ("ubigeo,distrito,anemia\r\n010101,Chachapoyas,30.1\r\n010102,Asunción,41.2\r\n"
            "010103,Balsas,25\r\n").encode()
    write("latin1_byte_in_utf8.csv", text + "010104,Chiliquín,33.3\r\n".encode("latin-1"))
    write("formula_header.csv", (b'ubigeo,"=HYPERLINK(""http://example.invalid"",""x"")",'
                                 b"@SUM(A1),nota\r\n010101,1,2,=1+1\r\n010102,3,4,"
                                 b"+cmd|' /C calc'!A0\r\n"))
    write("reserved_names.csv", b"ubigeo,score,rank,geometry,anemia\r\n010101,1,2,x,30\r\n"
                                b"010102,3,4,y,40\r\n")


_VRT_CSV = """<OGRVRTDataSource>
  <OGRVRTLayer name="passwd">
    <SrcDataSource>CSV:/etc/passwd</SrcDataSource>
    <SrcLayer>passwd</SrcLayer>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""
_VRT_RASTER = """<VRTDataset rasterXSize="10" rasterYSize="10">
  <SRS>EPSG:4326</SRS>
  <GeoTransform>-78, 0.5, 0, -5, 0, -0.5</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1">
    <SimpleSource>
      <SourceFilename relativeToVRT="0">/vsicurl/http://169.254.169.254/latest/meta.tif</SourceFilename>
      <SourceBand>1</SourceBand>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
"""


def hostile_boundaries() -> None:
    import geopandas as gpd
    from shapely.geometry import Polygon

    write("ogr_vrt_named.gpkg", _VRT_CSV.encode())  # an OGR VRT renamed .gpkg
    write("ogr_vrt_named.geojson", _VRT_CSV.encode())
    write("crs_link.geojson", _fc([_feature({"ubigeo": "150101"}, {
        "type": "Polygon", "coordinates": [LIMA]})]).replace(
        b'"type": "FeatureCollection"', b'"type": "FeatureCollection", "crs": {"type": "link", '
        b'"properties": {"href": "http://169.254.169.254/crs", "type": "proj4"}}'))
    # a property nested 5,000 arrays deep (Python's json.loads: RecursionError)
    deep = _fc([_feature({"ubigeo": "150101", "x": None}, {"type": "Polygon",
                                                           "coordinates": [LIMA]})])
    write("deep_nesting.geojson", deep.replace(b'"x": null', b'"x": ' + b"[" * 5000 +
                                               b"]" * 5000))
    shallow = {"type": "Polygon", "coordinates": [LIMA]}
    for _ in range(5):  # 5 levels: valid, and the polygon inside counts
        shallow = {"type": "GeometryCollection", "geometries": [shallow]}
    write("nested_collections.geojson", _fc([
        _feature({"ubigeo": "150101"}, shallow),
        _feature({"ubigeo": "010101"}, {"type": "Polygon", "coordinates": [CHACHAPOYAS]})]))
    madrid = [(-3.71, 40.41), (-3.70, 40.41), (-3.70, 40.42), (-3.71, 40.42), (-3.71, 40.41)]
    write("outside_peru.geojson", _fc([
        _feature({"ubigeo": "150101"}, {"type": "Polygon", "coordinates": [LIMA]}),
        _feature({"ubigeo": "010101"}, {"type": "Polygon", "coordinates": [madrid]})]))
    # a GeoPackage whose CRS is a local engineering system
    path = HERE / "engineering_crs.gpkg"
    path.unlink(missing_ok=True)
    os.environ["OGR_CURRENT_DATE"] = "2000-01-01T00:00:00.000Z"
    local = 'LOCAL_CS["obra",UNIT["metre",1]]'
    gpd.GeoDataFrame({"ubigeo": ["150101"]}, geometry=[Polygon([(0, 0), (100, 0), (100, 100),
                                                               (0, 0)])], crs=local).to_file(
        path, driver="GPKG", engine="pyogrio", SPATIAL_INDEX="NO")
    _vacuum(path)
    # a GeoPackage with a view, and one with an SQLite virtual table reading another file
    for name, extra in (("gpkg_with_view.gpkg", "CREATE VIEW leak AS SELECT * FROM distritos"),
                        ("gpkg_virtual_table.gpkg", None)):
        path = HERE / name
        path.unlink(missing_ok=True)
        _frame(4326).to_file(path, layer="distritos", driver="GPKG", engine="pyogrio",
                             SPATIAL_INDEX="NO")
        con = sqlite3.connect(path)
        if extra:
            con.execute(extra)
        else:  # written into the schema directly: sqlite3 has no VirtualOGR module
            con.execute("PRAGMA writable_schema=ON")
            con.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
                        "('table', 'leak', 'leak', 0, 'CREATE VIRTUAL TABLE leak USING "
                        "VirtualOGR(''/etc/passwd'')')")
            con.execute("PRAGMA writable_schema=OFF")
        con.commit()
        con.close()
        _vacuum(path)
    (HERE / "plain_sqlite.gpkg").unlink(missing_ok=True)
    con = sqlite3.connect(HERE / "plain_sqlite.gpkg")
    con.execute("CREATE TABLE t (ubigeo TEXT)")
    con.commit()
    con.close()
    _vacuum(HERE / "plain_sqlite.gpkg")
    # a shapefile of 5 districts whose .dbf holds 2 records (the parts of two saves)
    with tempfile.TemporaryDirectory() as tmp:
        five = gpd.GeoDataFrame({"ubigeo": [f"15010{i}" for i in range(1, 6)]}, geometry=[
            Polygon([(x, -12.05), (x + 0.01, -12.05), (x + 0.01, -12.04), (x, -12.05)])
            for x in (-77.05, -77.04, -77.03, -77.02, -77.01)], crs="EPSG:4326")
        five.to_file(Path(tmp) / "cinco.shp", engine="pyogrio")
        five.head(2).to_file(Path(tmp) / "dos.shp", engine="pyogrio")
        parts = {e: (Path(tmp) / f"cinco{e}").read_bytes() for e in (".shp", ".shx", ".prj")}
        parts[".dbf"] = (Path(tmp) / "dos.dbf").read_bytes()
    dbf = bytearray(parts[".dbf"])
    dbf[1:4] = bytes([100, 1, 1])
    parts[".dbf"] = bytes(dbf)
    write("dbf_fewer_records.zip", _zip([(f"distritos{e}", b) for e, b in sorted(parts.items())]))
    write("vrt_in_zip.zip", _zip([("distritos.geojson", _VRT_CSV.encode())]))


def _vacuum(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=512")
    con.execute("VACUUM")
    con.close()


def hostile_rasters() -> None:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    write("gdal_vrt_named.tif", _VRT_RASTER.encode())
    profile = {"driver": "GTiff", "crs": "EPSG:4326", "transform": from_origin(-78, -5, 0.5, 0.5)}

    def tif(name: str, arrays: list, dtype: str, nodata=None) -> None:
        path = HERE / name
        with rasterio.open(path, "w", width=arrays[0].shape[1], height=arrays[0].shape[0],
                           count=len(arrays), dtype=dtype, nodata=nodata, **profile) as ds:
            for i, a in enumerate(arrays, start=1):
                ds.write(np.asarray(a, dtype=dtype), i)

    grid = np.arange(100, dtype="float64").reshape(10, 10)
    tif("complex.tif", [grid * (1 + 2j)], "complex64")
    tif("all_nodata.tif", [np.full((10, 10), -9999.0)], "float32", nodata=-9999)
    tif("many_bands.tif", [np.ones((2, 2))] * 300, "uint8")
    # 100 x 100 bytes cut in half: the header says 10,000 pixels, the file holds 5,000
    profile["transform"] = from_origin(-78, -5, 0.05, 0.05)
    tif("full.tif", [np.arange(10_000).reshape(100, 100) % 251], "uint8")
    data = (HERE / "full.tif").read_bytes()
    (HERE / "full.tif").unlink()
    write("truncated.tif", data[: len(data) // 2])


def hostile_texts() -> None:
    """Issue 21: texts that cost time by their length alone. A link of 1.7 kB whose scenario
    is named by 990,000 characters (zlib packs a repeated letter a thousand to one); the PDF
    sheet once shortened such a name one character at a time, for hours."""
    import base64
    import zlib

    data = {"name": "A" * 990_000, "weights": {"poverty_2018": 1.0}, "top_n": 100}
    raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
    token = base64.urlsafe_b64encode(zlib.compress(raw, 9))
    write("long_name.link", token + b"\n")
# --------------------------------------------------------------------------- round 3 (issue 21)
def _district_codes() -> list[str]:
    """The 1,874 district codes of 2017, in order (from the shipped code table)."""
    import csv

    with open(HERE.parents[2] / "data" / "indicators" / "codes.csv", encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f)
                if r["scheme"] == "inei" and r["code"] == r["ubigeo"]]


def round3_tables() -> None:
    # each of the 1,874 codes four times with other values: 1,874 duplicate problems in 90 kB
    codes = _district_codes()
    lines = ["ubigeo,valor,nota"] + [f"{codes[i % 1874]},{i % 97},x{i % 3}" for i in range(6978)]
    write("repeated_codes.csv", ("\n".join(lines) + "\n").encode())
    # 5,000 columns (the 49 MB CSV had 20,000)
    header = "ubigeo," + ",".join(f"c{i}" for i in range(4999))
    write("wide_columns.csv", (header + "\n010101," + ",".join("1" * 4999) + "\n").encode())
    # names geoprio computes, in other cases
    write("reserved_case.csv", b"ubigeo,Score,POOR_PEOPLE,Geometry,stunted_children,anemia\r\n"
                               b"010101,1,2,x,3,30\r\n010102,4,5,y,6,40\r\n")
    # every way a spreadsheet cell can run or break: formula starts, control characters, a
    # cell longer than Excel's 32,767 characters; and negative numbers, which stay numbers
    rows = [["ubigeo", "=HYPERLINK(\"http://example.invalid\",\"x\")", "Dist\x01rito",
             "@SUM(A1)", "\tpestana", "\rretorno", "+nota", "saldo"],
            ["010101", "=1+1", "Lima\x01", "@x", "-2", "a" * 40_000, "+cmd|' /C calc'!A0",
             "-3.5"],
            ["010102", "ok", "Ate", "x", "-y", "b", "c", "-0.25"]]
    out = io.StringIO()
    import csv

    csv.writer(out, lineterminator="\r\n").writerows(rows)
    write("spreadsheet_cells.csv", out.getvalue().encode("utf-8"))


def round3_scenarios() -> None:
    """A link's scenario (``?s=`` token) weighting 19,000 ids that do not exist."""
    import base64
    import random
    import zlib

    rng = random.Random(21)  # random ids: the token stays near the 95 kB
    ids = {"".join(rng.choices("abcdefghijklmnopqrstuvwxyz_", k=5)) for _ in range(19_500)}
    doc = {"format": "geoprio-scenario/1", "name": "ids",
           "weights": {f"x{i}": 1 for i in sorted(ids)[:19_000]}}
    raw = json.dumps(doc, separators=(",", ":")).encode()
    write("unknown_ids.token", base64.urlsafe_b64encode(zlib.compress(raw, 9)))


def _gpkg_layer(name: str) -> Path:
    path = HERE / name
    path.unlink(missing_ok=True)
    os.environ["OGR_CURRENT_DATE"] = "2000-01-01T00:00:00.000Z"
    _frame(4326).to_file(path, layer="distritos", driver="GPKG", engine="pyogrio",
                         SPATIAL_INDEX="NO")
    return path


def _schema_insert(path: Path, kind: str, name: str, sql: str) -> None:
    """An entry written into the schema directly (sqlite3 has no VirtualOGR module)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema=ON")
    con.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
                "(?, ?, ?, 0, ?)", (kind, name, name, sql))
    con.execute("PRAGMA writable_schema=OFF")
    con.commit()
    con.close()


def round3_geopackages() -> None:
    # a column SQLite computes on every row read: 500 MB of zeros a row
    for name, sql in (
            ("gpkg_generated_column.gpkg", "ALTER TABLE distritos ADD COLUMN carga BLOB "
                                           "GENERATED ALWAYS AS (zeroblob(500000000)) VIRTUAL"),
            ("gpkg_generated_cpu.gpkg", "ALTER TABLE distritos ADD COLUMN trabajo INTEGER "
                                        "GENERATED ALWAYS AS (length(replace(zeroblob(20000000),"
                                        " x'00', 'ab'))) VIRTUAL"),
            ("gpkg_stored_column.gpkg", "CREATE TABLE notas (x INTEGER, y INTEGER GENERATED "
                                        "ALWAYS AS (x * 2) STORED)"),
            ("gpkg_trigger.gpkg", "CREATE TRIGGER tarea AFTER INSERT ON distritos BEGIN "
                                  "SELECT zeroblob(1000000000); END"),
            ("gpkg_expression_index.gpkg", "CREATE INDEX ix_carga ON distritos "
                                           "(length(zeroblob(NOMBDIST)))")):
        path = _gpkg_layer(name)
        con = sqlite3.connect(path)
        con.execute(sql)
        con.commit()
        con.close()
        _vacuum(path)
    # a virtual table reading a server file, its module disguised by a comment
    path = _gpkg_layer("gpkg_rtree_comment.gpkg")
    _schema_insert(path, "table", "leak", "CREATE VIRTUAL TABLE leak USING "
                                         "VirtualOGR('/etc/passwd') /* USING rtree( */")
    _vacuum(path)


def star_polygons(n: int = 2, vertices: int = 1201) -> bytes:
    """``n`` star polygons of ``vertices`` points near Lima whose edges all cross each other
    (repairing one of 1,201 points takes about 30 s: the work grows faster than the square of
    the vertices)."""
    import math

    features = []
    k = vertices // 2 - 1
    for j in range(n):
        ring = [(round(-77.0 + 0.3 * j + 0.1 * math.cos(2 * math.pi * i * k / vertices), 9),
                 round(-12.0 + 0.1 * math.sin(2 * math.pi * i * k / vertices), 9))
                for i in range(vertices)]
        features.append(_feature({"ubigeo": f"15010{j + 1}"},
                                 {"type": "Polygon", "coordinates": [ring + ring[:1]]}))
    return _fc(features)


def fine_geotiff(path: Path, width: int = 36_000, height: int = 27_500) -> Path:
    """A GeoTIFF over Peru of ``width`` x ``height`` pixels (990 million: about 55 m) that
    compresses to about 1.1 MB (too big to keep here: the tests write it)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "uint8", "crs": "EPSG:4326", "compress": "deflate", "tiled": True,
               "blockxsize": 512, "blockysize": 512,
               "transform": from_origin(-81.4, 0.1, 12.8 / width, 18.5 / height)}
    with rasterio.open(path, "w", **profile) as ds:
        rows = np.full((512, width), 7, dtype="uint8")
        for top in range(0, height, 512):
            h = min(512, height - top)
            ds.write(rows[:h], 1, window=Window(0, top, width, h))
    return path


def round3() -> None:
    round3_tables()
    round3_scenarios()
    round3_geopackages()
    write("star_polygons.geojson", star_polygons())


def main() -> None:
    tables()
    merged_header_xlsx()
    geojson()
    geopackages()
    zips()
    hostile_workbooks()
    hostile_tables()
    hostile_boundaries()
    hostile_rasters()
    hostile_texts()
    round3()
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix != ".py")
    print(f"{len([p for p in HERE.iterdir() if p.suffix != '.py'])} files, {total:,} bytes")


if __name__ == "__main__":
    main()
