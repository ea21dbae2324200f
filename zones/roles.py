"""The roles a person holds in an organisation (a membership each), on their own so that the querysets that scope by
role and the models that store it can both import them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Role"]


class Role(models.TextChoices):
    """What a person does for an organisation; the policy (conventions.policy) says what each role may do."""

    CHIEF = "chief", _("Chief")
    OPERATOR = "operator", _("Operator")
    APPROVER = "approver", _("Approver")
    DPO = "dpo", _("Data protection officer")
    MAYOR = "mayor", _("Mayor")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    SUPERVISOR = "supervisor", _("Supervisor (read-only logs)")
