from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from audit.models import AccessLogEntry
from oversight import selectors
from oversight.api.filters import AccessLogApiFilterSet
from oversight.api.serializers import AccessLogEntrySerializer
from zones.api.pagination import BoundedLimitOffsetPagination
from zones.api.permissions import actor_of

AFTER = "after"


class CappedCountPagination(BoundedLimitOffsetPagination):
    """Like the console: the count stops at selectors.COUNT_LIMIT and `count_capped` says when more entries match;
    pages still go on (`next`) for as long as they are full.

    With `after` (the cursor, AccessLogApiFilterSet), entries come oldest first, in id order, from the one after that
    id, at most `limit` a page; `next` carries the last id of the page and is null once the log is read to its end,
    so a system pulls the whole log without offsets and gets each entry once, even while entries are added. Each
    chain's writers are serialised until they commit (audit.chain), so within a chain ids grow in commit order; a
    reader of several chains (the supervisory body) that needs that guarantee follows one cursor per chain
    (`organisation=<chain>`)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.cursor = AFTER in request.query_params
        self.offset = 0 if self.cursor else self.get_offset(request)
        found = queryset.order_by()[: selectors.COUNT_LIMIT + 1].count()
        self.capped = found > selectors.COUNT_LIMIT
        self.count = min(found, selectors.COUNT_LIMIT)
        if self.cursor:
            rows = list(queryset.order_by("id")[: self.limit + 1])
            self.more = len(rows) > self.limit
            self.page = rows[: self.limit]
        else:
            self.page = list(queryset[self.offset : self.offset + self.limit])
        return self.page

    def get_next_link(self):
        if self.cursor:
            if not self.more:
                return None
            url = remove_query_param(self.request.build_absolute_uri(), self.offset_query_param)
            return replace_query_param(url, AFTER, self.page[-1].pk)
        if len(self.page) < self.limit or (not self.capped and self.offset + self.limit >= self.count):
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self):
        return None if self.cursor else super().get_previous_link()

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
    administrator) or every chain (supervisor). Other roles receive an empty list. A system that pulls the whole log
    follows the cursor instead: `?after=0`, then each page's `next` (entries oldest first, in id order)."""

    serializer_class = AccessLogEntrySerializer
    queryset = AccessLogEntry.objects.none()  # for the schema only; requests use get_queryset
    filterset_class = AccessLogApiFilterSet
    pagination_class = CappedCountPagination

    def get_queryset(self):
        return selectors.entry_list(actor=actor_of(self.request)).order_by("-occurred_at", "-id")
