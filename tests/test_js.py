"""The browser decoder as JavaScript: Node's tests (tests/js/) under pytest, and their fixture.

``node --test tests/js/`` decodes coverages that geoprio.report.mapcodec encoded and checks every
coordinate against Python's decoder. Without Node the test is skipped, except in CI (env ``CI``
set), where it must run. The lint (ESLint from package-lock.json) runs in ``.ci/run``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geoprio.report.mapcodec import ALPHABET, BASE, DECODER_JS, DECODER_PATH

REPO = Path(__file__).resolve().parents[1]
JS_TESTS = REPO / "tests" / "js"
sys.path.insert(0, str(JS_TESTS))
from write_fixture import FIXTURE, text  # noqa: E402


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("CI: node is missing; the JavaScript tests must run (install Node 20)")
        pytest.skip("node is missing (outside CI; in CI this test must run)")
    return node


def test_node_tests_of_the_decoder_pass():
    proc = subprocess.run([_node(), "--test", str(JS_TESTS) + os.sep], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)$", proc.stdout, re.M).group(1))
    assert passed >= 7 and re.search(r"^# fail 0$", proc.stdout, re.M)


def test_fixture_is_what_the_encoder_writes_today():
    assert FIXTURE.read_text(encoding="utf-8") == text(), (
        "tests/js/fixture.json is stale: run python tests/js/write_fixture.py")
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
    assert [c["encoded"]["topology"] for c in cases] == [True, False, True]


def test_decoder_file_is_what_python_serves():
    assert DECODER_PATH.read_text(encoding="utf-8") == DECODER_JS
    # the JavaScript alphabet and base are Python's
    assert f"var ALPHA = {json.dumps(ALPHABET)};" in DECODER_JS
    assert f"var B = {BASE}," in DECODER_JS
    assert "</script" not in DECODER_JS.lower() and "{{" not in DECODER_JS
