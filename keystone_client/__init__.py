"""The documented import path of keystone-api-client."""
