"""The package's version, defined here once: `pyproject.toml` reads it (setuptools'
`dynamic` version), and the code reads it from here rather than from installed metadata, so
that it is known where imr-ml runs without being installed (a pyfunc loaded from its code)."""

__version__ = "0.1.0"
