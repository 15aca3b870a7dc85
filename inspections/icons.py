"""The PNG icons of the installable inspection pages (the manifest's 192 and 512 px
icons, which phones need besides the SVG), drawn with Pillow after portal/favicon.svg:
a shield with a tick on the portal's blue. The files are generated once and committed:

    .venv/bin/python -m inspections.icons
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (192, 512)
BLUE = (13, 110, 253, 255)
WHITE = (255, 255, 255, 255)
DIRECTORY = Path(__file__).parent / "static" / "inspections"


def path_of(size: int) -> Path:
    return DIRECTORY / f"icon-{size}.png"


def draw(size: int) -> Image.Image:
    """The favicon's 32-unit drawing, scaled; a maskable icon keeps its shield inside the
    middle 80 %."""
    k = size / 32
    image = Image.new("RGBA", (size, size), BLUE)
    pen = ImageDraw.Draw(image)
    shield = [(16, 5), (25, 9), (25, 15), (23.5, 20.5), (20, 24.5), (16, 27), (12, 24.5),
              (8.5, 20.5), (7, 15), (7, 9)]
    pen.polygon([(x * k, y * k) for x, y in shield], fill=WHITE)
    pen.line([(12 * k, 16 * k), (15 * k, 19 * k), (21 * k, 13 * k)], fill=BLUE,
             width=max(2, round(2.5 * k)), joint="curve")
    return image


def generate() -> list[Path]:
    written = []
    for size in SIZES:
        target = path_of(size)
        draw(size).save(target, format="PNG", optimize=True)
        written.append(target)
    return written


if __name__ == "__main__":
    for written in generate():
        print(written)
