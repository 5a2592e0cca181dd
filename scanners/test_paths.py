"""Test, spec and load-test paths: a value found there belongs to a test runner, so a scan treats
a too-weak key there as a test fake and a plan does not move it."""

from __future__ import annotations

import re

_TEST_DIRS = frozenset(
    {
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "e2e",
        "integrationtests",
        "integration-tests",
        "loadtest",
        "loadtests",
        "load-test",
        "load-tests",
        "loadtesting",
        "perftests",
        "perf-tests",
        "performancetests",
        "benchmark",
        "benchmarks",
    }
)
_TEST_FILE = re.compile(
    r"^(test_.*|.*[_.-](test|tests|spec)\.[A-Za-z]+|.*[a-z0-9](Test|Tests)\.[A-Za-z]+|"
    r"locustfile.*|.*\.jmx)$"
)


def is_test_path(path: str) -> bool:
    """True for a test, spec or load-test file, by its folders (`tests/`, `loadtest/`, a `*.Tests`
    project) or its name (`test_x.py`, `x_test.go`, `x.spec.ts`, `OrderTests.cs`, `locustfile.py`)."""
    *folders, name = path.replace("\\", "/").split("/")
    if any(f.lower() in _TEST_DIRS or f.lower().endswith((".tests", ".test")) for f in folders):
        return True
    return bool(_TEST_FILE.match(name))
