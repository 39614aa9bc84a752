"""Rule sets: the model, its checks and units; reading, overlaying, dumping, diffing files."""
