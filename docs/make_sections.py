"""Print docs/sections.md from the section registry: ``python docs/make_sections.py > docs/sections.md``."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")

import django  # noqa: E402

django.setup()

from memberaudit.sections import registry  # noqa: E402

sys.stdout.write(registry.markdown_table())
