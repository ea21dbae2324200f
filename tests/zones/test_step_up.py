"""Step-up on pages and on actions that carry files: the cases the code form cannot complete by itself."""

import time

from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import MembershipFactory
from zones.stepup import SESSION_KEY, step_up_required


@step_up_required
def sensitive(request):
    return HttpResponse("done")


def request_for(user, method, path, data=None, fresh=False):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request.session = {SESSION_KEY: time.time()} if fresh else {}
    request._messages = FallbackStorage(request)
    return request


def test_a_page_sends_to_the_code_page_and_back(db):
    user = MembershipFactory().user
    response = sensitive(request_for(user, "get", "/conventions/7/"))
    assert response.status_code == 302
    assert response["Location"] == reverse("zones:step_up") + "?next=%2Fconventions%2F7%2F"


def test_an_action_with_a_file_asks_for_the_code_then_to_repeat_it(db):
    user = MembershipFactory().user
    upload = SimpleUploadedFile("decision.pdf", b"%PDF-1.4", content_type="application/pdf")
    request = request_for(user, "post", "/requests/new/", {"document": upload, "next": "/requests/new/"})
    response = sensitive(request)
    assert response.status_code == 302 and response["Location"].startswith(reverse("zones:step_up"))
    assert [str(m) for m in request._messages] == ["Confirm with a current code, then repeat the action."]


def test_a_fresh_second_factor_passes_straight_through(db):
    user = MembershipFactory().user
    assert sensitive(request_for(user, "post", "/x/", {"a": "1"}, fresh=True)).content == b"done"
