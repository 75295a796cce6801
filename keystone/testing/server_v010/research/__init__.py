"""The emulated Keystone ``research`` app."""
