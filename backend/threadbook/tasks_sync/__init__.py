"""CRM tasks ↔ Google Tasks, per user: the switch and its grant, the sync (read back completions, push changes), its health.

docs/google-tasks.md has the rules. A sibling of calendar/ and sync/: it imports neither.
"""
