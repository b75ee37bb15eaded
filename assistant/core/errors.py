"""The one user-facing error type (and its kind for an index that cannot be used)."""


class AssistantError(Exception):
    """An error with a message that says what went wrong and how to fix it."""


class IndexUnavailable(AssistantError):
    """The index is missing, damaged or made for other settings; the message names the
    command that rebuilds it. The app shows it on its page instead of stopping."""
