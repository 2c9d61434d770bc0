"""The forecast's states: age band x placement category for children in care, plus "not in care".

The public demand model (cs-demand-model) describes a looked-after child each day by their age band and the
category of their placement; children move between states, enter from and leave to "not in care", move up a
band on a birthday and leave care at 18. A child whose date of birth is unknown (no SSDA903 header row) is
kept, in an "age unknown" band that nobody ages into or out of.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearsight.config.settings import ForecastSettings

OTHER = "other"
AGE_UNKNOWN = "age unknown"
NOT_IN_CARE = "not in care"


@dataclass(frozen=True)
class StateSpace:
    """States numbered band-major: state = band x categories + category; the last band may be "age unknown"."""

    bands: tuple[str, ...]
    categories: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: ForecastSettings, age_unknown: bool = False) -> "StateSpace":
        bands = tuple(b.label for b in settings.age_bands) + ((AGE_UNKNOWN,) if age_unknown else ())
        return cls(bands, (*settings.placement_categories, OTHER))

    @property
    def size(self) -> int:
        return len(self.bands) * len(self.categories)

    def index(self, band: str, category: str) -> int:
        return self.bands.index(band) * len(self.categories) + self.categories.index(category)

    def band_of(self, state: int) -> str:
        return self.bands[state // len(self.categories)]

    def category_of(self, state: int) -> str:
        return self.categories[state % len(self.categories)]

    def label(self, state: int) -> str:
        return f"{self.band_of(state)} {self.category_of(state)}"
