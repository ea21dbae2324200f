"""Fields the API's request bodies share."""

from rest_framework import serializers

__all__ = ["MAX_ID", "ObjectIdField"]

MAX_ID = 2**63 - 1  # PostgreSQL's bigint: an id beyond it names nothing and must not reach the database


class ObjectIdField(serializers.IntegerField):
    """The id of an object: a positive integer the database can hold (a larger one is a 400, not a crash)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
