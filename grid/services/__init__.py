"""Writes: one module per feature, `<entity>_<verb>(*, ...)`, typed, in `transaction.atomic`."""
