"""Stage 7, notebook: the IPython magics and baselines (the regression loop). May import every stage below it."""
