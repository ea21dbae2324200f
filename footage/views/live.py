"""Live viewing pages (mounted at /live/): choose cameras, a purpose and a justification; watch them; keep the
sessions alive with a heartbeat; stop. The owner's side lists who is watching its cameras and can cut them.

Sessions are started, renewed and ended by footage.live only; sessions are read through footage.selectors.
A token is shown once by the service: the pages keep it in the person's server-side session (keyed by the live
session's id), so that the watch page survives a reload without a token ever appearing in a page address.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.access import AccessLogUnavailable
from cameras.selectors import camera_list, cameras_matching
from conventions.models import Mode, Purpose
from conventions.policy.live import LIVE_VIEW_ENDERS
from footage import live, selectors
from footage.attempts import log_attempts_on_unseen_cameras
from footage.forms.live import LAYOUTS, LiveStartForm, preview, refusal_text
from footage.models import LiveSession

__all__ = ["playlist_url", "remember_tokens"]

TOKENS_SESSION_KEY = "live_tokens"
SEARCH_LIMIT = 50
HEARTBEAT_SECONDS = 15


# --- Tokens kept server-side --------------------------------------------------------------------------------------


def playlist_url(token):
    """The relay's playlist of a session (cameras.relay_urls); the token is the key, so never a page address."""
    return reverse("relay:playlist", kwargs={"token": token})


def remember_tokens(request, grants):
    tokens = dict(request.session.get(TOKENS_SESSION_KEY, {}))
    # Forget the tokens of ended sessions (those of another organisation of the person's wait until they work there).
    ended = set(
        LiveSession.objects.for_actor(request.actor, "view")
        .filter(pk__in=[int(pk) for pk in tokens], ended_at__isnull=False)
        .values_list("pk", flat=True)
    )
    tokens = {pk: token for pk, token in tokens.items() if int(pk) not in ended}
    tokens.update({str(grant.session.pk): grant.token for grant in grants})
    request.session[TOKENS_SESSION_KEY] = tokens


def _forget_tokens(request, sessions):
    tokens = dict(request.session.get(TOKENS_SESSION_KEY, {}))
    for session in sessions:
        tokens.pop(str(session.pk), None)
    request.session[TOKENS_SESSION_KEY] = tokens


def _my_sessions(actor):
    """Sessions the acting person watches themselves (a chief reads others' sessions, but never watches them)."""
    return selectors.live_session_list(actor=actor).filter(user=actor.user)


# --- Choosing -----------------------------------------------------------------------------------------------------


def _int_ids(values):
    return [int(value) for value in values if str(value).isdigit()][: live.MAX_WALL * 2]


def _chosen_cameras(actor, values):
    """The cameras named by the request that the person may see, in the order given."""
    ids = _int_ids(values)
    found = {camera.pk: camera for camera in camera_list(actor=actor).filter(pk__in=ids)}
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def _camera_matches(actor, query, exclude=()):
    """At most 50 cameras the person may see (own and shared) whose name, address, place or owner matches."""
    query = (query or "").strip()
    if len(query) < 2:
        return [], False
    cameras = cameras_matching(camera_list(actor=actor).exclude(pk__in=[c.pk for c in exclude]), query)
    found = list(cameras.order_by("name", "pk")[: SEARCH_LIMIT + 1])
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT


def _camera_json(camera, actor):
    return {
        "id": camera.pk,
        "name": camera.name,
        "owner": camera.owner.code,
        "own": camera.owner_id == actor.organisation.pk,
        "municipality": camera.municipality.name if camera.municipality else "",
    }


def _start_page(request, form, *, chosen, query="", status=200, refusals=None):
    actor = request.actor
    found, truncated = _camera_matches(actor, query, exclude=chosen)
    purpose = form["purpose"].value() or ""
    context = {
        "form": form,
        "chosen": chosen,
        "query": query,
        "found": found,
        "found_truncated": truncated,
        "searched": len(query.strip()) >= 2,
        "preview": preview(actor, chosen, purpose) if chosen else [],
        "refusals": refusals or [],
        "layouts": LAYOUTS,
        "max_wall": live.MAX_WALL,
        "my_open_sessions": _my_sessions(actor).filter(ended_at__isnull=True, expires_at__gt=timezone.now()),
    }
    return render(request, "footage/live/start.html", context, status=status)


def _unbound(actor, data):
    """The form as the person left it, without error messages (for Search and Check)."""
    initial = {name: data.get(name, "") for name in ("purpose", "justification", "case_reference")}
    initial["layout"] = data.get("layout") or 1
    return LiveStartForm(initial=initial, actor=actor)


@never_cache
def start_view(request):
    """Choose one camera or a wall, a purpose and a justification; see what the decision would say; start."""
    actor = request.actor
    if request.method != "POST":
        chosen = _chosen_cameras(actor, request.GET.getlist("camera"))
        layout = next((size for size in LAYOUTS if size >= len(chosen)), live.MAX_WALL)
        form = LiveStartForm(initial={"layout": layout, "purpose": request.GET.get("purpose", "")}, actor=actor)
        return _start_page(request, form, chosen=chosen, query=request.GET.get("q", ""))

    chosen = _chosen_cameras(actor, request.POST.getlist("cameras"))
    query = request.POST.get("q", "")
    if request.POST.get("action") != "start":  # Search or Check: show the choices again with the answers
        return _start_page(request, _unbound(actor, request.POST), chosen=chosen, query=query)

    form = LiveStartForm(request.POST, actor=actor)
    log_attempts_on_unseen_cameras(
        actor=actor, camera_ids=_int_ids(request.POST.getlist("cameras")), seen={c.pk for c in chosen},
        mode=Mode.LIVE, purpose=request.POST.get("purpose", ""), justification=request.POST.get("justification", ""),
        case_reference=request.POST.get("case_reference", ""), request=request,
    )  # fmt: skip
    if not form.is_valid():
        return _start_page(request, form, chosen=chosen, query=query, status=400)
    data = form.cleaned_data
    try:
        grants = live.sessions_start(
            actor=actor,
            cameras=data["cameras"],
            purpose=data["purpose"],
            justification=data["justification"],
            case_reference=data["case_reference"],
            request=request,
            break_glass=data.get("break_glass", False),
        )
    except live.LiveRefused as refused:
        rows = [{"camera": camera, "text": refusal_text(reason)} for camera, reason in refused.refusals.items()]
        form.add_error(None, _("Nothing was started: the decision refuses some of the cameras chosen."))
        return _start_page(request, form, chosen=chosen, query=query, status=403, refusals=rows)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _start_page(request, form, chosen=chosen, query=query, status=400)
    except AccessLogUnavailable:
        form.add_error(None, _("The access log cannot be written just now, so no access is given. Try again soon."))
        return _start_page(request, form, chosen=chosen, query=query, status=503)
    remember_tokens(request, grants)
    return redirect(_watch_url(grants[0].session))


@require_GET
def camera_search_view(request):
    """Cameras the person may watch matching the words (own and shared), for the picker."""
    actor = request.actor
    exclude = _chosen_cameras(actor, request.GET.getlist("chosen"))
    found, truncated = _camera_matches(actor, request.GET.get("q", ""), exclude=exclude)
    return JsonResponse({"results": [_camera_json(c, actor) for c in found], "truncated": truncated})


@require_GET
def preview_view(request):
    """What the decision would say for each chosen camera and the purpose (nothing is logged)."""
    actor = request.actor
    chosen = _chosen_cameras(actor, request.GET.getlist("cameras"))
    rows = preview(actor, chosen, request.GET.get("purpose", ""))
    return JsonResponse(
        {"results": [{**_camera_json(r["camera"], actor), "allowed": r["allowed"], "text": r["text"]} for r in rows]}
    )


# --- Watching -----------------------------------------------------------------------------------------------------


def _watch_url(session):
    if session.wall:
        return reverse("live:wall", args=[session.wall])
    return reverse("live:watch", args=[session.pk])


def _seconds_until(moment, at):
    return max(0, int((moment - at).total_seconds()))


def _end_text(session):
    if session.end_reason:
        return _("Access has ended: %(reason)s.") % {"reason": session.get_end_reason_display().lower()}
    return _("Access has ended.")


def _tile(request, session, at):
    token = request.session.get(TOKENS_SESSION_KEY, {}).get(str(session.pk))
    is_open = session.is_open(at)
    return {
        "session": session,
        "open": is_open and token is not None,
        "playlist": playlist_url(token) if is_open and token else "",
        "expires_in": _seconds_until(session.expires_at, at),
        "max_in": _seconds_until(session.max_until, at),
        "ended_text": "" if is_open else _end_text(session),
        "lost_key": is_open and token is None,
        "purpose": Purpose(session.purpose).label,
        "convention": session.convention_version.convention.reference if session.convention_version else "",
    }


def _watch(request, sessions):
    sessions = list(sessions)
    if not sessions:
        raise Http404(_("No such live session."))
    at = timezone.now()
    tiles = [_tile(request, session, at) for session in sessions]
    layout = next(size for size in LAYOUTS if size >= len(sessions))
    first = sessions[0]
    context = {
        "tiles": tiles,
        "layout": layout,
        "wall": first.wall,
        "first": first,
        "purpose": Purpose(first.purpose).label,
        "any_open": any(tile["open"] for tile in tiles),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }
    return render(request, "footage/live/watch.html", context)


@never_cache
@require_GET
def watch_view(request, pk):
    return _watch(request, _my_sessions(request.actor).filter(pk=pk))


@never_cache
@require_GET
def wall_view(request, wall):
    return _watch(request, _my_sessions(request.actor).filter(wall=wall).order_by("pk"))


def _my_session(request, pk):
    session = _my_sessions(request.actor).filter(pk=pk).first()
    if session is None:
        raise Http404(_("No such live session."))
    return session


@require_POST
def renew_view(request, pk):
    """The heartbeat of an open watch page: another token period, or why the access has ended."""
    session = _my_session(request, pk)
    try:
        session = live.session_renew(actor=request.actor, session=session, request=request)
    except ValidationError as error:
        session.refresh_from_db()
        _forget_tokens(request, [session])
        message = _end_text(session) if session.ended_at else " ".join(error.messages)
        return JsonResponse({"open": False, "message": message, "reason": session.end_reason}, status=409)
    except AccessLogUnavailable:
        message = _("The portal could not renew just now.")
        return JsonResponse({"open": True, "retry": True, "message": message}, status=503)
    at = timezone.now()
    return JsonResponse(
        {
            "open": True,
            "expires_in": _seconds_until(session.expires_at, at),
            "max_in": _seconds_until(session.max_until, at),
        }
    )


def _ended_message(request, count):
    text = ngettext("Live viewing of %(count)d camera stopped.", "Live viewing of %(count)d cameras stopped.", count)
    messages.success(request, text % {"count": count})


@require_POST
def end_view(request, pk):
    """Stop watching one camera (the other cameras of a wall go on)."""
    session = _my_session(request, pk)
    live.session_end(session=session, reason=LiveSession.EndReason.STOPPED)
    _forget_tokens(request, [session])
    _ended_message(request, 1)
    if session.wall and _my_sessions(request.actor).filter(wall=session.wall, ended_at__isnull=True).exists():
        return redirect("live:wall", session.wall)
    return redirect("live:start")


@require_POST
def wall_end_view(request, wall):
    """Stop the whole wall."""
    mine = _my_sessions(request.actor).filter(wall=wall)
    if not mine.exists():  # another person's wall answers as a missing one does
        raise Http404(_("No such live session."))
    sessions = list(mine.filter(ended_at__isnull=True))
    for session in sessions:
        live.session_end(session=session, reason=LiveSession.EndReason.STOPPED)
    _forget_tokens(request, sessions)
    _ended_message(request, len(sessions))
    return redirect("live:start")


# --- The owner's side ---------------------------------------------------------------------------------------------


@never_cache
@require_GET
def on_my_cameras_view(request):
    """Who is watching the organisation's cameras now; its chief and operators can end a view, the DPO reads."""
    actor = request.actor
    if not actor.roles & selectors.OWNER_SIDE_ROLES:
        raise PermissionDenied(_("Only the chief, the operators and the DPO see who watches your cameras."))
    at = timezone.now()
    sessions = list(selectors.live_sessions_on_own_cameras(actor=actor, at=at)[:500])
    rows = [
        {
            "session": session,
            "purpose": Purpose(session.purpose).label,
            "convention": session.convention_version.convention.reference if session.convention_version else "",
            "version": session.convention_version.number if session.convention_version else None,
            "watching_for": timedelta(seconds=int((at - session.started_at).total_seconds())),
        }
        for session in sessions
    ]
    return render(
        request,
        "footage/live/on_my_cameras.html",
        {"rows": rows, "can_end": actor.has_role(*LIVE_VIEW_ENDERS)},
    )


@require_POST
def owner_end_view(request, pk):
    actor = request.actor
    sessions = LiveSession.objects.for_actor(actor, "owner").select_related("user", "organisation", "camera")
    session = sessions.filter(pk=pk).first()
    if session is None:  # not a view of the organisation's cameras (or not for this role): as a missing one
        raise Http404(_("No such live session."))
    if not session.is_open():
        messages.info(request, _("That live view had already ended."))
        return redirect("live:on_my_cameras")
    live.session_end_by_owner(actor=actor, session=session)  # PermissionDenied (403) for the DPO
    messages.success(
        request,
        _("%(person)s (%(organisation)s) no longer watches %(camera)s.")
        % {"person": session.user, "organisation": session.organisation.code, "camera": session.camera.name},
    )
    return redirect("live:on_my_cameras")
