"""The guided migration of one app: `steps` turns the plan and the `playbooks` into run steps,
`runner` shows and runs them in order (dispatching each action, check and undo through the tables
of `actions` and `checks`), `state` records progress, `azure_changes` talks to Azure, `health` is
the verify stage's HTTP gate.
"""
