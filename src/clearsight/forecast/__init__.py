"""Forecasts and what-ifs: looked-after children by age and placement (a daily stock-and-flow model), its
backtest, and the staffing a projected demand needs under a named scenario (issue 19)."""
