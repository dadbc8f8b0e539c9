"""Stage 6, views: text summaries, a step's views, widget payloads, static fallbacks, the HTML report, the
anywidget classes. May import every stage below it."""
