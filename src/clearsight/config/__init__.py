"""A council's settings: standards, timescales and rules, with documented defaults."""

from clearsight.config.settings import CaseloadStandard, CouncilConfig, load_config

__all__ = ["CaseloadStandard", "CouncilConfig", "load_config"]
