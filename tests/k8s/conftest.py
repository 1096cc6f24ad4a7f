"""Fixtures of the deployment tests. Helpers live in k8s_render.py (importable by the test
modules because this directory is put on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from k8s_render import PodTemplate, iter_pod_templates, render_all


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return render_all()


@pytest.fixture(scope="session")
def pod_templates(rendered: dict[str, list[dict[str, Any]]]) -> list[PodTemplate]:
    templates = list(iter_pod_templates(rendered))
    assert templates, "no pod template rendered"
    return templates
