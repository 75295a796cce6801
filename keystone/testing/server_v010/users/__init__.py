"""The emulated Keystone ``users`` app."""
