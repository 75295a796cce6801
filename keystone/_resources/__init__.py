"""Keystone's resources, declared once, and the typed client methods generated from them.

:mod:`.catalog` declares each resource (name, path, operations); :mod:`.methods` is generated
from it by ``tools/generate_resources.py`` (a test fails while it is out of date) and spells
out every method, each one a call into :mod:`.operations`, where the behaviour lives.
"""
