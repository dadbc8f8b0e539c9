"""Stage 5, analysis: DataFrames, plots, the semantic diff, assertions, replay savings. May import every stage
below it (errors, cassette, intercept, trace, engine)."""
