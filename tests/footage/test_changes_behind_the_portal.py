"""A convention suspended behind the portal's back (plain SQL from another connection: a shell, a script, a restored
table) cuts live viewing as the portal's own suspension does: the hook refuses within 5 seconds, the periodic
re-check ends the session even if no viewer asks again, the relay stops, and no new session starts."""

import pytest
from django.db import connections
from django.utils import timezone

from conventions.models import Purpose
from footage import live
from footage.models import LiveSession
from footage.tasks import close_expired_live_sessions
from media import relay
from media.models import RelayStream
from tests.footage.conftest import WHY
from tests.footage.test_revocation import DEADLINE, seconds_until_refused
from tests.support.mediamtx_api import post_hook, reset_gate_cache

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_server")]


@pytest.fixture(autouse=True)
def _fresh_caches():
    reset_gate_cache()
    relay.forget_demand()
    yield
    reset_gate_cache()
    relay.forget_demand()


def suspend_elsewhere(convention):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE conventions_convention SET suspended_at = %s, suspended_reason = 'by hand' WHERE id = %s",
                [other.ops.adapt_datetimefield_value(timezone.now()), convention.pk],
            )
        if not other.get_autocommit():
            other.commit()
    finally:
        other.close()


def test_the_hook_refuses_within_five_seconds_and_the_relay_stops(client, watching):
    camera = watching["camera"]
    relay.want(camera.pk, force=True)
    suspend_elsewhere(watching["convention"])
    elapsed = seconds_until_refused(client, watching["body"])
    assert elapsed < DEADLINE, f"the hook still allowed the session {elapsed:.1f} s after the suspension"
    session = LiveSession.objects.get(pk=watching["grant"].session.pk)
    assert session.ended_at is not None and session.end_reason == "revoked"
    assert RelayStream.objects.get(camera_id=camera.pk).wanted_until <= timezone.now()
    assert post_hook(client, watching["body"]).status_code == 403


def test_the_periodic_recheck_ends_a_session_nobody_asks_about(watching):
    camera = watching["camera"]
    relay.want(camera.pk, force=True)
    suspend_elsewhere(watching["convention"])
    close_expired_live_sessions()  # the beat task, every 30 s
    session = LiveSession.objects.get(pk=watching["grant"].session.pk)
    assert session.ended_at is not None and session.end_reason == "revoked"
    assert RelayStream.objects.get(camera_id=camera.pk).wanted_until <= timezone.now()
    assert live.sessions_recheck() == 0  # idempotent


def test_no_new_session_starts_under_a_convention_suspended_by_hand(watching):
    suspend_elsewhere(watching["convention"])
    with pytest.raises(live.LiveRefused):
        live.sessions_start(actor=watching["operator"], cameras=[watching["camera"]], purpose=Purpose.PUBLIC_ORDER,
                            justification=WHY)  # fmt: skip


def test_the_relay_keeps_a_camera_another_viewer_still_watches(watching):
    """Ending one viewer's session leaves the camera's relay running for the others."""
    camera = watching["camera"]
    other = live.sessions_start(actor=watching["provider_chief"], cameras=[camera], purpose=Purpose.PUBLIC_ORDER,
                                justification=WHY)[0]  # fmt: skip
    relay.want(camera.pk, force=True)
    live.session_end(session=watching["grant"].session)
    assert RelayStream.objects.get(camera_id=camera.pk).wanted_until > timezone.now()
    live.session_end(session=other.session)
    assert RelayStream.objects.get(camera_id=camera.pk).wanted_until <= timezone.now()
