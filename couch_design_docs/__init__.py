"""The RelayPACS document contract: models, ids and database names, design documents.

This package is the ground floor: everything imports it and it imports nothing of ours
except the CouchDB client used by :mod:`couch_design_docs.setup`.
"""
