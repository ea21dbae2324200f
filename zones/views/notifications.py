"""The person's notifications for the organisation they work for: list, open one, mark read."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zones.models import Notification

PAGE_SIZE = 50


def _mine(request):
    return Notification.objects.for_actor(request.actor, "view")


def notification_list_view(request):
    notifications = _mine(request)
    unread_only = request.GET.get("show") == "unread"
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "show": "unread" if unread_only else "", "query": "show=unread" if unread_only else ""}
    return render(request, "zones/notifications.html", context)


@require_POST
def notification_read_view(request, pk):
    """Mark one read; with `open`, go on to the page it points at (a path inside the portal only)."""
    notification = get_object_or_404(_mine(request), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    link = notification.link
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("zones:notifications")


@require_POST
def notification_read_all_view(request):
    _mine(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("zones:notifications")
