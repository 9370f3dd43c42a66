"""The REST API under ``/api/v1``: JSON for channel systems, scripts and the pages' scripts.

Documented by the OpenAPI document it serves at ``/api/v1/openapi.json`` (``openapi.py``); a test holds the
code to it. Tokens (``Authorization: Bearer …``) or the browser session authenticate; a request that relies on
the session cookie to change something must also send ``X-Requested-With`` (which no other site's page can
send without our consent), so a cookie alone never authorises a change from another site.
"""

from web.api import complaints, evidence, openapi, processes, studio, tasks, track  # noqa: F401  (their views register on the blueprint)
from web.api.blueprint import bp

__all__ = ["bp"]
