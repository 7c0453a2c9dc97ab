"""An entry point for ``huey_consumer threadbook.consumer.huey``: the queue, bound to an app built from the environment.

Importing this module creates the app; ``threadbook worker`` does the same without it.
Importing ``jobs.tasks`` registers the tasks and the periodic schedule on ``huey``.
"""

from threadbook.app import create_app
from threadbook.jobs.queue import huey
from threadbook.jobs.tasks import bind_app

__all__ = ["app", "huey"]

app = create_app()
bind_app(app)
