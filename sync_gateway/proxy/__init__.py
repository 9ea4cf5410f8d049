"""The CouchDB replication proxy under ``/sync/{db}/...``.

:mod:`.operations` names every request a client may make and the access it needs (one
table); :mod:`.upstream` streams requests to CouchDB with the service account;
:mod:`.handlers` answers each operation; :mod:`.changes` filters the changes feed.
"""
