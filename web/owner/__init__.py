"""The process owner's studio (pages): versions, drafts, the editor, compare, try, run one case, deploy, moving
waiting cases. The blueprint and its Content-Security-Policy are in ``blueprint.py``; the views import it."""

from web.owner import comparing, deploying, files, knowledge, routes, trying  # noqa: F401
from web.owner.blueprint import bp

__all__ = ["bp"]
