"""A proposed or signed version's scope is frozen: a change to its cameras, groups or municipalities is refused.

(Changes that can alter an access decision move the policy generation in the database itself:
conventions.staleness.)"""

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from conventions.models import ConventionVersion


@receiver(m2m_changed, dispatch_uid="version-frozen-scope")
def refuse_scope_change_of_a_frozen_version(sender, instance, action, **kwargs):
    if not isinstance(instance, ConventionVersion) or not action.startswith("pre_"):
        return
    if instance.pk and ConventionVersion.objects.filter(pk=instance.pk).exclude(status="draft").exists():
        raise ValidationError("A proposed version cannot be changed; draft an amendment instead.")
