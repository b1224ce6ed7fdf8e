"""Draw the installable app's icons (the favicon's 絆 on red) as PNGs: `.venv/bin/python scripts/pwa_icons.py`.

Needs Pillow and a Japanese font (Debian fonts-noto-cjk); the PNGs are committed under static/img/pwa/."""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "src" / "kizuna" / "static" / "img" / "pwa"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED = (179, 32, 42, 255)


def icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), RED if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if not maskable:  # a rounded square; a maskable icon fills the square and the platform cuts its own shape
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 3 // 16, fill=RED)
    glyph = size * (0.5 if maskable else 0.66)  # a maskable icon keeps its mark inside the 80 % safe zone
    font = ImageFont.truetype(FONT, int(glyph), index=0)
    draw.text((size / 2, size / 2), "絆", font=font, fill="white", anchor="mm")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(OUT / f"maskable-{size}.png", optimize=True)
    icon(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    print("\n".join(sorted(p.name for p in OUT.glob("*.png"))), file=sys.stderr)


if __name__ == "__main__":
    main()
