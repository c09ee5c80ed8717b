"""Live sessions: the stream page, chat over SSE, moderation and reports."""
