"""Every change that can alter an access decision moves the policy generation, in the same transaction, so the
compiled conventions are rebuilt before the next decision."""

import uuid

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cameras.models import Camera, CameraGroup
from cameras.signals import catalogue_changed
from conventions.models import Convention, ConventionVersion, DeclaredIncident, PolicyGeneration, Signature

SCOPE_FIELDS = {"owner", "owner_id", "kind", "municipality", "municipality_id"}


def bump_policy_generation(**kwargs):
    token = uuid.uuid4().hex
    if not PolicyGeneration.objects.filter(name="policy").update(value=token):
        PolicyGeneration.objects.get_or_create(name="policy", defaults={"value": token})


for model in (Convention, ConventionVersion, Signature, DeclaredIncident):
    post_save.connect(bump_policy_generation, sender=model, dispatch_uid=f"policy-save-{model.__name__}")
    post_delete.connect(bump_policy_generation, sender=model, dispatch_uid=f"policy-delete-{model.__name__}")
for through in (
    ConventionVersion.cameras.through,
    ConventionVersion.groups.through,
    ConventionVersion.municipalities.through,
    Camera.groups.through,
):
    m2m_changed.connect(bump_policy_generation, sender=through, dispatch_uid=f"policy-m2m-{through.__name__}")
catalogue_changed.connect(bump_policy_generation, dispatch_uid="policy-catalogue")
post_delete.connect(bump_policy_generation, sender=Camera, dispatch_uid="policy-camera-delete")
post_delete.connect(bump_policy_generation, sender=CameraGroup, dispatch_uid="policy-group-delete")


@receiver(post_save, sender=Camera, dispatch_uid="policy-camera-save")
def camera_saved(sender, instance, created, update_fields=None, **kwargs):
    # Snapshots and health updates name their fields and change no scope: they leave the cache alone.
    if created or update_fields is None or SCOPE_FIELDS & set(update_fields):
        bump_policy_generation()


@receiver(m2m_changed, dispatch_uid="version-frozen-scope")
def refuse_scope_change_of_a_frozen_version(sender, instance, action, **kwargs):
    if not isinstance(instance, ConventionVersion) or not action.startswith("pre_"):
        return
    if instance.pk and ConventionVersion.objects.filter(pk=instance.pk).exclude(status="draft").exists():
        raise ValidationError("A proposed version cannot be changed; draft an amendment instead.")
