"""The meeting scheduler: a pure solver (no Flask, no database), usable from the CLI and bench."""
