"""What a user's file may point at, and how GDAL is held while it is read.

User files (uploads in the app, paths given to the ``geoprio`` command) are hostile until read:

* :func:`user_file` accepts a path only if it names a regular file on disk: GDAL virtual file
  systems (``/vsicurl/``, ``/vsizip/``...), URLs, driver prefixes (``CSV:``, ``GPKG:``...) and
  inline XML are refused before any library sees them; a folder or a named pipe is named as
  such (and a pipe is never opened, so nothing blocks).
* :func:`sniff` tells a format from the file's first bytes, never from its extension, so a GDAL
  or OGR VRT (XML that can name any local file or URL as its source) renamed ``.tif`` or
  ``.gpkg`` is refused before GDAL opens it.
* :func:`gdal_guard` sets GDAL's options while user data is read (both GDAL copies: rasterio's
  and pyogrio's) so that no network access happens (every HTTP request goes to a closed local
  proxy; ``/vsicurl/`` accepts no file), no sibling files are probed
  (``GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR``: no ``.aux.xml``, ``.ovr`` or ``.msk`` beside an
  upload is read, and none is written), and VRT features that run code or read raw files stay
  off.
* :func:`one_line` and :func:`clip` keep messages to one short line (no 2 MB cell echoed back).

Examples
--------
>>> from geoprio.readers.safety import sniff, one_line
>>> sniff(b"II*\\x00rest"), sniff(b'<VRTDataset rasterXSize="1">')
('gtiff', 'xml')
>>> one_line("a\\nb  c", limit=80)
'a b c'
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geoprio.errors import GeoprioError, InputError

__all__ = [
    "MAX_MESSAGE_CHARS",
    "SAFE_GDAL_OPTIONS",
    "bare_paths",
    "clip",
    "gdal_guard",
    "one_line",
    "scrub",
    "sniff",
    "user_file",
]

log = logging.getLogger(__name__)

#: Longest message geoprio puts in an error (the CLI and the app show one line).
MAX_MESSAGE_CHARS = 600

#: GDAL configuration while user data is read. GDAL has no single "offline" switch: every
#: request through GDAL's HTTP client goes to a proxy on a closed local port (connection
#: refused at once), ``/vsicurl/`` accepts no file extension, and nothing is retried.
SAFE_GDAL_OPTIONS: dict[str, str] = {
    "GDAL_HTTP_PROXY": "127.0.0.1:1",
    "GDAL_HTTPS_PROXY": "127.0.0.1:1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geoprio-no-network",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
}

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_DRIVER_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]+:")  # one letter is a Windows drive
_VSI = re.compile(r"^[/\\]vsi", re.IGNORECASE)


# --------------------------------------------------------------------------- messages
def one_line(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line (runs of whitespace as one space), cut to ``limit`` characters.

    Examples
    --------
    >>> one_line("x" * 50, limit=20)
    'xxxxxxxxxxxxxxxxxxx…'
    """
    flat = re.sub(r"\s+", " ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def clip(value: Any, limit: int = 60) -> str:
    """``repr`` of a value from a user's file, cut to ``limit`` characters for a message.

    Examples
    --------
    >>> clip("abc"), clip("y" * 100, limit=12)
    ("'abc'", "'yyyyyyyyy…'")
    """
    text = repr(value) if isinstance(value, str) else repr(str(value))
    if len(text) <= limit:
        return text
    return text[: limit - 2] + "…" + text[0]


def names(values: Any, limit: int = 8, width: int = 40) -> str:
    """A short list of column (or member) names for a message.

    Examples
    --------
    >>> names(["a", "b", "c"], limit=2)
    "['a', 'b', ... (3 in all)]"
    """
    values = list(values)
    shown = ", ".join(clip(v, width) for v in values[:limit])
    return f"[{shown}, ... ({len(values)} in all)]" if len(values) > limit else f"[{shown}]"


def scrub(text: Any, private: str | os.PathLike | None, label: str) -> str:
    """``text`` with a private (server-side) path replaced by the name the user gave.

    Examples
    --------
    >>> scrub("/tmp/geoprio_x/layer.gpkg: not a database", "/tmp/geoprio_x", "distritos.gpkg")
    'distritos.gpkg: not a database'
    """
    text = str(text)
    if private:  # the path itself, or any file under it (a temporary folder)
        pattern = re.escape(str(private)) + r"(?:[/\\][^\s'\",;:)]*)?"
        text = re.sub(pattern, lambda _: label, text)
    return text


_ABS_PATH = re.compile(r"(?:(?<=[\s'\"(=])|^)(?:/[^\s/'\",;:()]+){2,}")


def bare_paths(text: Any) -> str:
    """``text`` (a library's error) with absolute paths cut to their file names.

    Examples
    --------
    >>> bare_paths("'/tmp/geoprio_1x/raster.tif' not recognized")
    "'raster.tif' not recognized"
    """
    return _ABS_PATH.sub(lambda m: m.group().rsplit("/", 1)[-1], str(text))


# --------------------------------------------------------------------------- paths
def user_file(path: str | os.PathLike, *, label: str | None = None,
              error: type[GeoprioError] = InputError) -> Path:
    """The path of a regular file on disk that a user named, or a clear error.

    Parameters
    ----------
    path : str or PathLike
        What the user gave.
    label : str, optional
        The name to use in messages (default: the path as given).
    error : GeoprioError subclass, default=InputError
        The class raised.

    Returns
    -------
    Path
        The absolute path of the file (symbolic links resolved).

    Raises
    ------
    GeoprioError
        A GDAL virtual file system path, a URL, a driver prefix, inline XML, a missing file,
        a folder, a named pipe or another special file, or a file that cannot be read.

    Examples
    --------
    >>> user_file("/vsicurl/http://10.0.0.1/x.tif")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoprio.errors.InputError: /vsicurl/http://10.0.0.1/x.tif: GDAL virtual file systems ...
    """
    text = os.fsdecode(os.fspath(path))
    shown = label or text
    bare = text.strip()
    if _VSI.match(bare):
        raise error(f"{one_line(shown, 200)}: GDAL virtual file systems (/vsi...) are not read; "
                    "give the path of a file on disk")
    if _URL.match(bare):
        raise error(f"{one_line(shown, 200)}: URLs are not fetched; download the file and give "
                    "its path")
    if bare.startswith("<"):
        raise error(f"{one_line(shown, 200)}: looks like XML text, not the path of a file")
    if _DRIVER_PREFIX.match(bare) and not os.path.exists(bare):
        raise error(f"{one_line(shown, 200)}: driver prefixes such as 'CSV:' or 'GPKG:' are not "
                    "read; give the path of the file")
    try:
        st = os.stat(text)
    except FileNotFoundError:
        raise error(f"{one_line(shown, 200)}: file not found") from None
    except PermissionError:
        raise error(f"{one_line(shown, 200)}: cannot be read (permission denied)") from None
    except (OSError, ValueError) as exc:
        raise error(f"{one_line(shown, 200)}: cannot be read ({one_line(exc, 120)})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise error(f"{one_line(shown, 200)}: is a folder, not a file; give the file inside it "
                    "(a shapefile: zip its parts, or give the .shp)")
    if stat.S_ISFIFO(mode):
        raise error(f"{one_line(shown, 200)}: is a named pipe (FIFO), not a regular file; save "
                    "the data to a file first")
    if not stat.S_ISREG(mode):
        raise error(f"{one_line(shown, 200)}: is a device or socket, not a regular file")
    if not os.access(text, os.R_OK):
        raise error(f"{one_line(shown, 200)}: cannot be read (permission denied)")
    return Path(text).resolve()


# --------------------------------------------------------------------------- formats
def sniff(head: bytes) -> str:
    """The format of a file from its first bytes (at least 16 are needed).

    Returns one of ``gtiff``, ``sqlite``, ``zip``, ``shp``, ``json``, ``xml``, ``ole`` (old
    ``.xls``), ``unknown``.
    """
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "gtiff"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if body[:1] in (b"{", b"["):
        return "json"
    if body[:1] == b"<":
        return "xml"
    return "unknown"


def read_head(path: Path, n: int = 64) -> bytes:
    """The first ``n`` bytes of a file."""
    with open(path, "rb") as f:
        return f.read(n)


# --------------------------------------------------------------------------- GDAL
_lock = threading.Lock()
_users = 0
_saved: dict[str, Any] = {}


@contextmanager
def gdal_guard() -> Iterator[None]:
    """Hold GDAL's safe options (:data:`SAFE_GDAL_OPTIONS`) while user data is read.

    rasterio's options are set for this thread; pyogrio's are process-wide, so they are set
    when the first reader enters and restored when the last one leaves (readers in other
    threads stay covered meanwhile).

    Examples
    --------
    >>> import pyogrio
    >>> with gdal_guard():
    ...     pyogrio.get_gdal_config_option("GDAL_DISABLE_READDIR_ON_OPEN")
    'EMPTY_DIR'
    """
    global _users
    import pyogrio
    import rasterio

    with _lock:
        if _users == 0:
            _saved.clear()
            _saved.update({k: pyogrio.get_gdal_config_option(k) for k in SAFE_GDAL_OPTIONS})
            pyogrio.set_gdal_config_options(SAFE_GDAL_OPTIONS)
        _users += 1
    try:
        with rasterio.Env(**SAFE_GDAL_OPTIONS):
            yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                pyogrio.set_gdal_config_options(dict(_saved))
