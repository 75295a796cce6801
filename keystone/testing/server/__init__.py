"""The Django application that imitates Keystone API 0.3.26 inside the emulator's server process.

It runs on the real server's own stack (Django, Django REST framework, SimpleJWT with its token
blacklist, django-filter), so error bodies, token semantics, filter lookups and trailing-slash
redirects come from the same libraries. Nothing here is imported until
:func:`keystone.testing.server.bootstrap.build_application` has configured Django, so importing
this package never imports Django.
"""
