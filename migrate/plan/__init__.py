"""The planner's stage: a scan document's records in, a migration plan out.

`planner.plan` is the entry point; it runs the steps in data-flow order, each module taking the
records of the one before: `units` -> `identity` -> `grants` -> `settings` -> `stages`.  `catalog`
holds the Azure facts they ask, `records` the plan document's records (and its writer), `reader`
reads a plan document back, `view` shows it in a terminal.
"""
