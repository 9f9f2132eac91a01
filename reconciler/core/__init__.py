"""The pure core: vocabulary, models, identity rules, the API codec and the planner (no I/O)."""
