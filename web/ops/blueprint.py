"""The ``ops`` blueprint: what monitoring systems and load balancers call, outside the people's pages."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
