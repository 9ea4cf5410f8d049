"""RelayPACS shared core: settings, the async CouchDB client and the server harness.

Both services (``sync_gateway`` and ``pacs_bridge``) import this package and the
document contract in ``couch_design_docs``; neither imports the other.
"""
