"""The interfaces: the ``kgmatch`` CLI (and, with the API issue, the Flask app)."""
