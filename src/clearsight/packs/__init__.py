"""Committee packs: each pack's views (`clearsight.reports.packs`) rendered to HTML, PDF and Excel.

Nothing here computes a figure: the pack template lays out views' headlines, sections and notes, with a vector
chart beside the trends (`clearsight.render.charts`), for A4 portrait with running headers, page numbers and the
council's protective marking.
"""

from clearsight.packs.render import write_pack

__all__ = ["write_pack"]
