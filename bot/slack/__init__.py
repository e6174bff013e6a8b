"""The Slack front end: one Bolt ``AsyncApp``; each feature registers its listeners."""
