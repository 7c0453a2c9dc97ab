"""What the Google Tasks switch refuses, as codes the API answers and the panel acts on."""


class TasksRefused(Exception):
    """A refusal with an error code (``needs_scope``, ``invalid``…), an HTTP status and a sentence that says what to do."""

    def __init__(self, code, message, status=400, field=None):
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field


def needs_scope():
    return TasksRefused(
        "needs_scope",
        "Threadbook may not use your Google Tasks yet: allow access to Google Tasks (the panel's Account screen asks Google for it).",
        403,
    )
