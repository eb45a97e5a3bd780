"""Install local copies of the CDN assets that Alliance Auth's bundles load (demo and test site).

AA's ``bundles/*.html`` and its themes load Bootstrap, jQuery, DataTables, Chart.js, Font Awesome
and more from a CDN, which cannot be reached here. The test project overrides those templates
(``tests/testauth/templates/bundles/`` and ``theme/``) to load the same versions from
``/static/vendor/``; this script installs them with npm from the pinned ``vendor/package.json``
and ``vendor/package-lock.json`` into ``.demo/vendor/node_modules`` (gitignored), which the demo
settings serve as static files under the ``vendor/`` prefix.

Bootswatch themes import their web fonts from a font CDN; we write ``bootstrap.offline.min.css``
next to each theme that imports the same fonts from the pinned ``@fontsource`` packages.

Run ``python tests/testauth/vendor_assets.py``; it returns at once when the lock file is unchanged.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = HERE / "vendor"
TARGET = ROOT / ".demo" / "vendor"
NODE_MODULES = TARGET / "node_modules"
STAMP = TARGET / ".installed"

#: Bootswatch themes that AA ships, and the @fontsource files replacing their font CDN import
FONT_IMPORTS = {
    "flatly": ["lato/400.css", "lato/700.css", "lato/400-italic.css"],
    "darkly": ["lato/400.css", "lato/700.css", "lato/400-italic.css"],
    "materia": ["roboto/300.css", "roboto/400.css", "roboto/500.css", "roboto/700.css"],
}
_FONT_CDN_IMPORT = re.compile(r"@import url\(https?://[^)]*\);?")


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        print("Installing npm from Debian's packages", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "npm"], check=True)
        npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to install the demo's static assets")
    return npm


def _offline_bootswatch() -> None:
    for theme, fonts in FONT_IMPORTS.items():
        folder = NODE_MODULES / "bootswatch" / "dist" / theme
        css = (folder / "bootstrap.min.css").read_text(encoding="utf-8")
        local = "".join(f"@import url(../../../@fontsource/{font});" for font in fonts)
        css, count = _FONT_CDN_IMPORT.subn(local, css, count=1)
        if count != 1:
            raise SystemExit(f"bootswatch {theme}: font import not found, check the pinned version")
        (folder / "bootstrap.offline.min.css").write_text(css, encoding="utf-8")


def ensure_installed(quiet: bool = False) -> Path:
    """Install (or confirm) the pinned assets; returns the ``node_modules`` folder."""
    digest = _lock_digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest and NODE_MODULES.is_dir():
        return NODE_MODULES
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SOURCE / name, TARGET / name)
    if not quiet:
        print("Installing the pinned static assets with npm into .demo/vendor/ ...", flush=True)
    subprocess.run(
        [_npm(), "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=TARGET,
        check=True,
    )
    _offline_bootswatch()
    STAMP.write_text(digest)
    return NODE_MODULES


if __name__ == "__main__":
    print(ensure_installed())
    sys.exit(0)
