"""Playback pages (mounted at /playback/): the requester of a granted footage request plays the approved window of
each camera in the browser, under a purpose banner. Starting, renewing and stopping go through footage.playback;
the key is shown once by the service and kept in the person's server-side session (never in a page address), so a
reload keeps playing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.access import AccessLogUnavailable
from conventions.models import Purpose
from conventions.policy import request_lapsed_reason
from footage import playback
from footage.models import FootageRequest, PlaybackToken

__all__ = ["renew_view", "start_view", "stop_view", "watch_view"]

KEYS_SESSION_KEY = "playback_keys"
HEARTBEAT_SECONDS = 30


def _my_request(request, pk):
    """A request the acting person made for their organisation (anyone else gets a 404: nothing is revealed)."""
    actor = request.actor
    footage = (
        FootageRequest.objects.for_actor(actor, "view")
        .select_related("owner", "organisation", "convention_version__convention")
        .filter(pk=pk, requester=actor.user, organisation=actor.organisation)
        .first()
    )
    if footage is None:
        raise Http404(_("No such footage request."))
    return footage


def _keys(request):
    return dict(request.session.get(KEYS_SESSION_KEY, {}))


def _open_key(request, footage, at):
    """(PlaybackToken, key) of this page's open playback of `footage`, or (None, None)."""
    keys = _keys(request)
    rows = PlaybackToken.objects.for_actor(request.actor, "view").filter(
        pk__in=[int(pk) for pk in keys], request=footage, user=request.actor.user, ended_at__isnull=True,
        expires_at__gt=at,
    ).order_by("-started_at")  # fmt: skip
    row = rows.first()
    return (row, keys[str(row.pk)]) if row else (None, None)


def _remember(request, row, key):
    keys = _keys(request)
    # Forget the keys of ended playbacks (those of another organisation of the person's wait until they work there).
    ended = PlaybackToken.objects.for_actor(request.actor, "view").filter(
        pk__in=[int(pk) for pk in keys], ended_at__isnull=False
    )
    ended = set(ended.values_list("pk", flat=True))
    keys = {pk: value for pk, value in keys.items() if int(pk) not in ended}
    keys[str(row.pk)] = key
    request.session[KEYS_SESSION_KEY] = keys


def _forget(request, row):
    keys = _keys(request)
    keys.pop(str(row.pk), None)
    request.session[KEYS_SESSION_KEY] = keys


def _playlist_url(key, camera):
    return reverse("playback_media:playlist", kwargs={"token": key, "camera_id": camera.pk})


def _refusal_text(reason):
    texts = {
        "request_not_granted": _("This request is not approved: it gives no access to footage."),
        "request_lapsed": _("The access given by this request has ended."),
    }
    return texts.get(
        reason, _("The convention no longer allows playing this footage (%(reason)s).") % {"reason": reason}
    )


@never_cache
@require_GET
def watch_view(request, pk):
    footage = _my_request(request, pk)
    at = timezone.now()
    lapsed = request_lapsed_reason(footage, at=at)
    row, key = (None, None) if lapsed else _open_key(request, footage, at)
    cameras = list(footage.cameras.select_related("owner").order_by("name", "pk"))
    tiles = [{"camera": camera, "playlist": _playlist_url(key, camera) if key else ""} for camera in cameras]
    context = {
        "footage": footage,
        "tiles": tiles,
        "playing": row is not None,
        "row": row,
        "expires_in": max(0, int((row.expires_at - at).total_seconds())) if row else 0,
        "lapsed_text": _refusal_text(lapsed) if lapsed else "",
        "purpose": Purpose(footage.purpose).label,
        "layout": 1 if len(cameras) == 1 else 4 if len(cameras) <= 4 else 9,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }
    return render(request, "footage/playback/watch.html", context)


@require_POST
def start_view(request, pk):
    footage = _my_request(request, pk)
    try:
        row, key = playback.playback_start(actor=request.actor, footage=footage, request=request)
    except playback.PlaybackRefused as refused:
        messages.error(request, _refusal_text(refused.reason))
        return redirect("playback:watch", pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("playback:watch", pk)
    except AccessLogUnavailable:
        messages.error(request, _("The access log cannot be written just now, so no access is given. Try again soon."))
        return redirect("playback:watch", pk)
    _remember(request, row, key)
    return redirect("playback:watch", pk)


def _my_key_row(request, footage):
    row, _key = _open_key(request, footage, timezone.now())
    if row is None:
        ids = [int(pk) for pk in _keys(request)]
        mine = PlaybackToken.objects.for_actor(request.actor, "view").filter(user=request.actor.user)
        row = mine.filter(pk__in=ids, request=footage).order_by("-pk").first()
    return row


@require_POST
def renew_view(request, pk):
    """The heartbeat of an open playback page: another key period, or why the access has ended."""
    footage = _my_request(request, pk)
    row = _my_key_row(request, footage)
    if row is None:
        return JsonResponse({"open": False, "message": _("This playback has ended. Start it again.")}, status=409)
    try:
        row = playback.playback_renew(actor=request.actor, row=row)
    except ValidationError as error:
        _forget(request, row)
        return JsonResponse({"open": False, "message": " ".join(error.messages)}, status=409)
    except PermissionDenied:
        raise
    except AccessLogUnavailable:
        return JsonResponse({"open": True, "retry": True, "message": _("The portal could not renew just now.")},
                            status=503)  # fmt: skip
    return JsonResponse({"open": True, "expires_in": max(0, int((row.expires_at - timezone.now()).total_seconds()))})


@require_POST
def stop_view(request, pk):
    footage = _my_request(request, pk)
    row = _my_key_row(request, footage)
    if row is not None:
        playback.playback_stop(actor=request.actor, row=row)
        _forget(request, row)
    messages.success(request, _("Playback stopped."))
    return redirect("playback:watch", pk)
