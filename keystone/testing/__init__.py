"""A faithful local Keystone API server for tests (``pip install keystone-api-client[testing]``)."""
