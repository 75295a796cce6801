"""The Django application that imitates Keystone API v0.10.9 inside the emulator's server process.

It runs on the real server's own stack (Django with sessions and CSRF, Django REST framework with
token and session authentication, django-filter, django-auditlog, django-cors-headers), so
error bodies, cookies, CSRF failures, filter lookups, audit entries and trailing-slash redirects
come from the same libraries. Nothing here is imported until
:func:`keystone.testing.server_v010.bootstrap.build_application` has configured Django.
"""
