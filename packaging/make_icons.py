"""Render the app's PNG icons from assets/icons/osce-sim.svg with Qt itself (no other tool).

Desktop launchers want PNGs at the hicolor theme's sizes; `make package` runs this before
PyInstaller and the spec puts build/icons/ into the folder as share/icons/.

    python packaging/make_icons.py [OUT_DIR]     # default: build/icons
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "assets" / "icons" / "osce-sim.svg"


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    out = Path(argv[0]) if argv else ROOT / "build" / "icons"
    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"error: cannot read {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        folder = out / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        if not image.save(str(folder / "osce-sim.png")):
            print(f"error: cannot write {folder / 'osce-sim.png'}", file=sys.stderr)
            return 1
    # one image each for the Windows executable and the macOS bundle (Qt's ico and icns
    # plugins), written on any platform
    big = QImage(str(out / "hicolor" / "256x256" / "apps" / "osce-sim.png"))
    for name, fmt in (("osce-sim.ico", "ICO"), ("osce-sim.icns", "ICNS")):
        if not big.save(str(out / name), fmt):
            print(f"note: this Qt cannot write {fmt}; {name} left out", file=sys.stderr)
    scalable = out / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    (scalable / "osce-sim.svg").write_bytes(SVG.read_bytes())
    print(f"icons at {len(SIZES)} sizes and scalable in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
