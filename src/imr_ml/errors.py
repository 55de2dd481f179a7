"""The base of the errors a user can act on: bad config, model, corpus or table files.

The command line prints such an error's message on one line and exits with status 2,
without a traceback; any other exception is a bug and keeps its traceback.
"""


class ImrMlError(Exception):
    """A problem with the user's input or files; the message names the file and the fix."""
