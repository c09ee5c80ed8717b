"""Long work (re-embedding, pre-matching) in a real job queue, with progress for the pages."""
