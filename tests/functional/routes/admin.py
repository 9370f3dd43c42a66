"""Routes of the administrator's pages: accounts for administrators; the deployed processes also for process
owners."""

from tests.functional.routes import Route

ADMIN = ("admin",)
DEPLOYERS = ("process_owner", "admin")

ROUTES = [
    Route("GET", "/admin/users", ADMIN),
    Route("GET", "/admin/users/new", ADMIN),
    Route("POST", "/admin/users/new", ADMIN),
    Route("GET", "/admin/users/<int(max=9223372036854775807):user_id>", ADMIN, "/admin/users/{user}"),
    Route("POST", "/admin/users/<int(max=9223372036854775807):user_id>", ADMIN, "/admin/users/{user}"),
    Route(
        "POST",
        "/admin/users/<int(max=9223372036854775807):user_id>/password",
        ADMIN,
        "/admin/users/{user}/password",
    ),
    Route("GET", "/admin/tokens", ADMIN),
    Route("POST", "/admin/tokens", ADMIN),
    Route(
        "POST",
        "/admin/tokens/<int(max=9223372036854775807):token_id>/revoke",
        ADMIN,
        "/admin/tokens/999999/revoke",
    ),
    Route("GET", "/admin/departments", ADMIN),
    Route("POST", "/admin/departments", ADMIN),
    Route("GET", "/admin/processes", DEPLOYERS),
    Route("POST", "/admin/processes", DEPLOYERS),
]
