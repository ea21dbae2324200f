"""Every API list is paged within bounds: at most MAX_LIMIT items a page, and an offset no database can choke on. A
huge or malformed `limit` or `offset` gives the nearest bounded page (as DRF does for a malformed value), never a
server error; a system that pulls a whole list follows `next`."""

from rest_framework.pagination import LimitOffsetPagination, _positive_int

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "BoundedLimitOffsetPagination"]

MAX_LIMIT = 500
MAX_OFFSET = 10**9  # far beyond any list here, far below PostgreSQL's bigint


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = MAX_LIMIT

    def get_offset(self, request):
        try:
            return _positive_int(request.query_params[self.offset_query_param], cutoff=MAX_OFFSET)
        except (KeyError, ValueError):
            return 0
