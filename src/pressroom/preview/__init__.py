"""`inv watch`: a live preview that rebuilds on every save and serves itself on localhost."""
