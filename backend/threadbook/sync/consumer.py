"""For ``huey_consumer threadbook.sync.consumer.huey``: the queue, bound to an app built from the environment.

Importing this module creates the app; ``threadbook worker`` does the same without it.
"""

from ..app import create_app
from . import tasks  # noqa: F401  (registers the tasks and the periodic schedule)
from .queue import huey  # noqa: F401
from .tasks import bind_app

app = create_app()
bind_app(app)
