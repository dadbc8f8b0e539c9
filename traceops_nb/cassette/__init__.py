"""Stage 1, cassette: the records (interactions, tool records) and their file: safe YAML, atomic write, redaction,
bodies and server-sent events, other recorders' formats. May import errors only."""
