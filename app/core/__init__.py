"""What every part shares and that knows no domain: errors, time and column types, formatting."""
