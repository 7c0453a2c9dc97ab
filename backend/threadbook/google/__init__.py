"""Thin wrappers over google-api-python-client for the Google APIs Threadbook calls.

The package is not named ``google`` so that it can never shadow Google's own
``google`` namespace package (google.auth, google.oauth2).
"""
