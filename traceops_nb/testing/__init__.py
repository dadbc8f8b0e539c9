"""Stage 7, testing: the pytest plugin and the budget marker. May import every stage below it."""
