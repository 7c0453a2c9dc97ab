"""``threadbook doctor``, and what every ``threadbook`` command checks before it runs.

- ``settings``: the configuration, read as the server reads it, without writing anything;
- ``database``: it opens, has tables, is at this code's schema version (and the refusal commands share);
- ``services``: the task queue, whether a worker is alive (its heartbeat), Google's endpoints;
- ``command``: the ``doctor`` command and ``prepared``, the wrapper every other command runs in.

Each check says ok, warn, fail or skip, and for anything not ok exactly what to
set (the setting's name and an example). ``doctor`` exits 1 when any check fails.
"""
