"""The Flask layer the views share: error handlers, redirects, downloads, shared forms."""
