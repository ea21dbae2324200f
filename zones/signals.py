"""Keep sessions honest: a person who is disabled loses every session and token at once; lock-outs are logged."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver

from zones import services
from zones.models import UserSession


@receiver(pre_save, sender=get_user_model())
def revoke_access_when_user_disabled(sender, instance, **kwargs):
    if instance.pk is None or instance.is_active:
        return
    if sender.objects.filter(pk=instance.pk, is_active=True).exists():
        services.user_access_revoke(user=instance)


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


@receiver(user_locked_out)
def log_lockout(sender, request, username, **kwargs):
    """Every lock-out, and every attempt while locked, goes to the access log (zones.services.lockout_record)."""
    if request is not None:
        services.lockout_record(request=request, username=username)
