"""URL pieces every blueprint shares."""

# A path parameter that is a row id. The database's ids are BIGINT: a larger number is a 404 at routing, never
# an overflow error from the database.
ID = "int(max=9223372036854775807)"
