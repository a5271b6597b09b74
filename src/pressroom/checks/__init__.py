"""`inv check`: the outputs validated (EPUBCheck, DAISY Ace, qpdf, faces, notes, claims)."""
