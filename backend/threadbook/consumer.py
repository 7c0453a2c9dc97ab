"""An entry point for ``huey_consumer threadbook.consumer.huey``: the queue, bound to an app built from the environment.

Importing this module creates the app; ``threadbook worker`` does the same without it.
"""

from threadbook.app import create_app
from threadbook.jobs import tasks  # noqa: F401  (registers the tasks and the periodic schedule)
from threadbook.jobs.queue import huey  # noqa: F401
from threadbook.jobs.tasks import bind_app

app = create_app()
bind_app(app)
