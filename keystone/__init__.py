"""Python client for the Keystone REST API."""
