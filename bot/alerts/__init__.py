"""The alert worker: plans digests from the change log and delivers them exactly once."""
