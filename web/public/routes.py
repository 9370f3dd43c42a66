from flask import current_app, render_template

from web.db import session
from web.pages import public_page
from web.public import public_queries
from web.public.blueprint import bp


@bp.get("/")
@public_page
def home():
    """The start page: file a complaint, or follow one with its tracking code."""
    demo = public_queries.demo_cases(session()) if current_app.config.get("DEMO_MODE") else []
    return render_template("public/home.html", demo_cases=demo)
