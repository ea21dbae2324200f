"""Live sessions end when the right to watch goes, in the same transaction as the change that took it."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from conventions.models import Convention
from footage import live
from zones.models import Membership, Organisation, User


@receiver(post_save, sender=Convention, dispatch_uid="live-convention-ended")
def end_live_sessions_of_a_stopped_convention(sender, instance, created, **kwargs):
    if not created and (instance.suspended_at or instance.terminated_at or instance.expired_at):
        live.sessions_end_where(convention_version__convention=instance, why="convention_stopped")


@receiver(post_save, sender=Membership, dispatch_uid="live-membership-disabled")
def end_live_sessions_of_a_withdrawn_role(sender, instance, created, **kwargs):
    if not instance.is_active:
        live.sessions_end_where(user=instance.user, organisation=instance.organisation, why="membership_disabled")


@receiver(post_save, sender=User, dispatch_uid="live-user-disabled")
def end_live_sessions_of_a_disabled_person(sender, instance, created, **kwargs):
    if not instance.is_active:
        live.sessions_end_where(user=instance, why="user_disabled")


@receiver(post_save, sender=Organisation, dispatch_uid="live-organisation-disabled")
def end_live_sessions_of_a_disabled_organisation(sender, instance, created, **kwargs):
    if not instance.is_active:
        live.sessions_end_where(organisation=instance, why="organisation_disabled")
        live.sessions_end_where(camera__owner=instance, why="organisation_disabled")
