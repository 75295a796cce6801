"""The chain every request runs through, one concern per layer: :func:`.chain.chain_layers`
lists them in order (base URL, JSON, backoff, auth, throttle, logs), each in its module here."""
