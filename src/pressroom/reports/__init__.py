"""Reports beside the outputs: the permissions report."""
