from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from audit.models import AccessLogEntry
from oversight import selectors
from oversight.api.filters import AccessLogFilterSet
from oversight.api.serializers import AccessLogEntrySerializer
from zones.api.pagination import BoundedLimitOffsetPagination
from zones.api.permissions import actor_of


class CappedCountPagination(BoundedLimitOffsetPagination):
    """Like the console: the count stops at selectors.COUNT_LIMIT and `count_capped` says when more entries match;
    pages still go on (`next`) for as long as they are full."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        found = queryset.order_by()[: selectors.COUNT_LIMIT + 1].count()
        self.capped = found > selectors.COUNT_LIMIT
        self.count = min(found, selectors.COUNT_LIMIT)
        self.page = list(queryset[self.offset : self.offset + self.limit])
        return self.page

    def get_next_link(self):
        if len(self.page) < self.limit or (not self.capped and self.offset + self.limit >= self.count):
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.offset_query_param, self.offset + self.limit)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "count_capped": self.capped, "next": self.get_next_link(),
             "previous": self.get_previous_link(), "results": data}
        )  # fmt: skip

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean"}
        return schema


class AccessLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The access log, newest first: your organisation's chain (DPO, chief), the platform chain (platform
    administrator) or every chain (supervisor). Other roles receive an empty list."""

    serializer_class = AccessLogEntrySerializer
    queryset = AccessLogEntry.objects.none()  # for the schema only; requests use get_queryset
    filterset_class = AccessLogFilterSet
    pagination_class = CappedCountPagination

    def get_queryset(self):
        return selectors.entry_list(actor=actor_of(self.request)).order_by("-occurred_at", "-id")
