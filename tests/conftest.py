"""Test configuration: the Hypothesis settings profiles (``ci`` is loaded unless HYPOTHESIS_PROFILE names
another) and warning filters for third-party code."""

from __future__ import annotations

import os

# The suite runs the pure-Python modules (tests patch them); tests/test_compiled.py runs a compiled build itself.
os.environ.setdefault("SOVSIM_COMPILED", "0")

from hypothesis import HealthCheck, settings

# Simulated futures take milliseconds but vary with the drawn scenario; a per-example deadline would only
# make the suite flaky on a busy machine.
settings.register_profile(
    "ci", max_examples=40, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    # Hypothesis's failure explanation touches mypy_extensions.TypedDict, deprecated; with
    # filterwarnings = error that turned a failing example into an INTERNALERROR without its report.
    config.addinivalue_line("filterwarnings",
                            "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")
