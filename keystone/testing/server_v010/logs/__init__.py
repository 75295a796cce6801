"""The emulated Keystone ``logs`` app."""
