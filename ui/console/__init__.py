"""The wellness lead console: a team's exposure policy (edit, preview, diff, save with a
reason), the team dashboard (figures from the service's counters, charts, exports) and
one-off overrides for one person. Leads see no case content or media anywhere in it."""
