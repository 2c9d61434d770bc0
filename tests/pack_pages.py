"""Reading a pack as a person would: its PDF's text, its pages as images (kept under out/pack-pages/ for the
closing note), and the small counts a member-facing page must not show."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "out" / "pack-pages"


def pdf_text(path: Path, *, layout: bool = True) -> str:
    """The PDF's text, pages split by form feeds; `layout` keeps table rows on a line (a cell's wrapped words
    then interleave with its neighbours'), else the words in reading order."""
    assert shutil.which("pdftotext"), "poppler-utils (scripts/debian/test.txt) is needed"
    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def rasterise(path: Path) -> list[Path]:
    """Every page as a PNG under out/pack-pages/ (kept after the run for the closing note)."""
    PAGES.mkdir(parents=True, exist_ok=True)
    prefix = PAGES / path.stem
    for old in PAGES.glob(f"{path.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(prefix)], check=True)
    return sorted(PAGES.glob(f"{path.stem}-*.png"))


_DATES = re.compile(r"\d{1,2} [A-Z][a-z]{2,8} \d{4}|\b[A-Z][a-z]{2} (\d{2}|\d{4})\b|\d{4}-\d{2}(-\d{2})?|\b\d{4}\b")
_EXPLAINED = re.compile(r"Page \d+ of \d+|\b\d+\. (?=[A-Z])|counts of 1 to \d|chapters? \d( and \d)?|\(line [\d.,%]+\)|"
                        r"[A-Za-z]+ Team \d\b")


def small_counts_in(text: str, threshold: int = 5) -> list[str]:
    """Whole numbers from 1 to threshold-1 in a page's text that are no date, page, chapter, threshold or team number."""
    text = _EXPLAINED.sub(" ", _DATES.sub(" ", " ".join(text.split())))
    return [text[max(0, m.start() - 30):m.end() + 10] for m in re.finditer(r"(?<![\d.,<\[])\b\d+\b(?![\d.,%\]])", text)
            if 0 < int(m.group()) < threshold]
