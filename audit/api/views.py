from rest_framework import viewsets

from zones.api.permissions import actor_of

from .. import selectors
from ..models import AccessLogEntry
from .filters import AccessLogFilterSet
from .serializers import AccessLogEntrySerializer


class AccessLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The access log, newest first: your organisation's chain (DPO, chief), the platform chain (platform
    administrator) or every chain (supervisor). Other roles receive an empty list."""

    serializer_class = AccessLogEntrySerializer
    queryset = AccessLogEntry.objects.none()  # for the schema only; requests use get_queryset
    filterset_class = AccessLogFilterSet

    def get_queryset(self):
        return selectors.entry_list(actor=actor_of(self.request)).order_by("-occurred_at", "-id")
