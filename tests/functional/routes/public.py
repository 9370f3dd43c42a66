"""Routes of the customer's pages: open to everyone, signed in or not (customers have no account)."""

from tests.functional.routes import PUBLIC, Route

ROUTES = [
    Route("GET", "/complaints/new", PUBLIC),
    Route("POST", "/complaints/new", PUBLIC),
    Route("GET", "/complaints/filed", PUBLIC),
    Route("GET", "/track", PUBLIC),
    Route("POST", "/track", PUBLIC, data={"code": "{code}"}),
    Route("GET", "/track/<code>", PUBLIC, "/track/{code}"),
    Route("POST", "/track/<code>/information", PUBLIC, "/track/{code}/information", data={"text": "More"}),
    Route("POST", "/track/<code>/reply", PUBLIC, "/track/{code}/reply", data={"answer": "accepted"}),
    Route("POST", "/track/<code>/survey", PUBLIC, "/track/{code}/survey", data={"resolved": "true"}),
]
