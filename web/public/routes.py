from flask import jsonify, render_template
from sqlalchemy import text

from web.db import session
from web.public import bp


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers."""
    session().execute(text("SELECT 1"))
    return jsonify(status="ok")
