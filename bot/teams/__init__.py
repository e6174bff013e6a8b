"""The Microsoft Teams front end, on the Microsoft 365 Agents SDK: one
``AgentApplication`` whose listeners call the same handlers as Slack."""
