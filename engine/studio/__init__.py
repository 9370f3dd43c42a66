"""The process owner's studio, engine side: drafts, checks on drafts, comparing versions, trying a draft on
recorded cases before it is deployed, and moving waiting cases to a new version.

Nothing here runs a draft for real: drafts are stored files; trying one runs it in memory on a frozen clock
with local stand-ins for outside systems, and writes nothing.
"""
