"""The one user-facing error type."""


class AssistantError(Exception):
    """An error with a message that says what went wrong and how to fix it."""
