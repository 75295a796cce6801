"""The steps an atomic job's generated methods add: one per resource operation, checked.

``job.create_team(...)`` and the rest (:mod:`keystone._resources.job_methods`) call these,
which check their arguments as the client's own methods do and add one step to the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keystone._query import encode_value
from keystone._request import Filters
from keystone._resources.endpoints import (
    bind,
    check_fields,
    endpoint_for,
    file_fields,
    list_query,
)
from keystone._resources.job_steps import Step, without_refs
from keystone._resources.jobs import JobCore
from keystone._resources.keys import record_fields
from keystone._resources.spec import Operation, Resource


def create(
    job: JobCore, resource: Resource, fields: Mapping[str, Any] | None, more: Mapping[str, Any]
) -> Step:
    """A step creating a record; file fields go as parts of the job."""
    method = f"create_{resource.name}"
    data = record_fields(fields, more, method)
    path = job.path_of(resource, Operation.CREATE, None, method)
    if job._client._check_fields:
        server, endpoint = endpoint_for(job._client, resource, Operation.CREATE, method)
        check_fields(data, endpoint, server, subject=resource.plural, method=method)
    return job._step("POST", path, data, None, file_fields(resource), method)


def retrieve(job: JobCore, resource: Resource, pk: Any, filters: Filters | None) -> Step:
    """A step reading one record (its answer can then be referred to)."""
    method = f"retrieve_{resource.name}"
    query = list_query(without_refs(filters or {}, method), method)
    path = job.path_of(resource, Operation.RETRIEVE, pk, method)
    server, endpoint = endpoint_for(job._client, resource, Operation.RETRIEVE, method)
    bind(
        query,
        endpoint,
        server,
        subject=resource.plural,
        method=method,
        check_filters=job._client._check_filters,
    )
    # As a request's query would send them: lists comma-joined, dates in ISO 8601.
    sent = {name: encode_value(name, value) for name, value in (filters or {}).items()}
    return job._step("GET", path, None, sent, (), method)


def update(job: JobCore, resource: Resource, pk: Any, data: Mapping[str, Any]) -> Step:
    """A step changing the given fields of one record."""
    method = f"update_{resource.name}"
    if not isinstance(data, Mapping):
        raise TypeError(f"{method}: data must be a mapping of the fields to change")
    path = job.path_of(resource, Operation.UPDATE, pk, method)
    if job._client._check_fields:
        server, endpoint = endpoint_for(job._client, resource, Operation.UPDATE, method)
        check_fields(data, endpoint, server, subject=resource.plural, method=method, update=True)
    return job._step("PATCH", path, data, None, file_fields(resource), method)


def delete(job: JobCore, resource: Resource, pk: Any) -> Step:
    """A step deleting one record (a missing record fails the job: 404)."""
    method = f"delete_{resource.name}"
    path = job.path_of(resource, Operation.DELETE, pk, method)
    return job._step("DELETE", path, None, None, (), method)
