"""The emulated Keystone ``allocations`` app."""
