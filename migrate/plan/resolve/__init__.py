"""Resolution: what the planner can still find out about a target, an app or a review item (the input
that would resolve it, the Azure lookups that fill a plan's placeholders)."""
