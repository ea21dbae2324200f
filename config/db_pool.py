"""Pooled PostgreSQL connections and fork(): a forked child (verify_audit's workers, Celery's prefork pool) must never
use, nor close, the connections its parent's pool holds: they share their sockets with the parent, and closing one
in the child would end the parent's session. After a fork the child keeps the inherited pools and connections
aside, untouched (children end with os._exit, so they are never finalised), and its first query opens a pool of its
own."""

import os
import sys

from django.db import connections

__all__ = ["forget_inherited_pools"]

_inherited = []  # kept referenced: a collected connection would send its termination over the parent's socket


def forget_inherited_pools():
    backend = sys.modules.get("django.db.backends.postgresql.base")
    if backend is None:
        return  # no PostgreSQL connection was ever made
    pools = backend.DatabaseWrapper._connection_pools
    _inherited.append(dict(pools))
    pools.clear()
    for wrapper in connections.all(initialized_only=True):
        if wrapper.vendor == "postgresql" and wrapper.connection is not None:
            _inherited.append(wrapper.connection)
            wrapper.connection = None


os.register_at_fork(after_in_child=forget_inherited_pools)
