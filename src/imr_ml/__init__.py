"""imr-ml: segment and classify California DWC Independent Medical Review letters."""

__version__ = "0.1.0"
