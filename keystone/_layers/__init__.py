"""The built-in layers of the chain that users never place themselves: base URL, JSON, auth."""
