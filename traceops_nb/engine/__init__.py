"""Stage 4, engine: sessions (Recorder, Replayer, cassette()), recording, playback, matching, record modes, tools
and decisions recorded into the active session. May import errors, cassette, intercept and trace."""
