"""Who may reach which database, and see or write which document.

:mod:`.policy` holds the rules as pure functions (the authz matrix tests hammer them);
:mod:`.view` binds them to one user and one database for the length of a request.
"""
