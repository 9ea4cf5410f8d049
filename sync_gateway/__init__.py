"""The sync gateway: the only door clients have to CouchDB.

``create_app`` (:mod:`sync_gateway.app`) builds the FastAPI application: authentication
and accounts under ``/api/v1``, the CouchDB replication proxy under ``/sync/{db}``, health
probes and the built PWA.  Nothing here imports the bridge; both meet only in CouchDB.
"""
