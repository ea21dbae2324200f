"""Tenant-isolation registration of the access-log API and its entry page: a DPO reads their organisation's chain
only; the supervisory body reads every chain (see tests/tenancy/harness.py)."""

from audit.access import AccessAction, AccessRecord, record_access
from tests.factories import CameraFactory, MembershipFactory
from tests.tenancy.harness import Case, Page, register, register_pages


def make_entry(organisation):
    camera = CameraFactory(owner=organisation)
    entry = record_access(
        AccessRecord(
            action=AccessAction.CONSULTATION,
            controller=organisation,
            cameras=[camera],
            purpose="public_order",
            justification="Isolation",
            decision="allow",
            reason="own_camera",
        )
    )
    return entry, MembershipFactory(organisation=organisation, role="dpo")


register(
    name="access-log",
    list_route="accesslog-list",
    detail_route="accesslog-detail",
    make=make_entry,
    cross_tenant_roles={"supervisor"},
)


# --- Pages -------------------------------------------------------------------------------------------------------


def page_entry(organisation):
    entry, dpo = make_entry(organisation)
    return Case(entry, {"viewer": dpo})


register_pages(name="access-log", make=page_entry, pages=[Page("oversight:detail")], cross_tenant_roles={"supervisor"})
