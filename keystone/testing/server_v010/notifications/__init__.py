"""The emulated Keystone ``notifications`` app."""
