"""The access log: every consultation, disclosure, collection, alteration, combination and erasure of footage,
and every refused attempt. Names are copied so an entry outlives the people and objects it mentions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    COLLECTION = "collection", _("Collection")
    ALTERATION = "alteration", _("Alteration")
    CONSULTATION = "consultation", _("Consultation")
    DISCLOSURE = "disclosure", _("Disclosure")
    COMBINATION = "combination", _("Combination")
    ERASURE = "erasure", _("Erasure")
    DECISION = "decision", _("Access decision")
    DENIED = "denied", _("Denied attempt")
    LOGIN_SUCCESS = "login_success", _("Sign-in")
    LOGIN_FAILURE = "login_failure", _("Failed sign-in")
    MEMBERSHIP_CHANGE = "membership_change", _("Membership change")
    TWO_FACTOR_CHANGE = "two_factor_change", _("Second-factor change")
    SESSION_END = "session_end", _("End of a viewing session")
    APPROVAL = "approval", _("Approval decision on a footage request")
    LEGAL_HOLD = "legal_hold", _("Legal hold placed or released")
    LOCKOUT = "lockout", _("Sign-in locked out")
    UNLOCK = "unlock", _("Sign-in lock lifted")


class AccessLogEntryQuerySet(models.QuerySet):
    def in_chains(self, codes):
        """The entries of these chains (controller codes, PLATFORM included); None means every chain. The audit app
        knows no people: oversight.selectors decides which chains an actor reads and asks for them here."""
        if codes is None:
            return self.all()
        if not codes:
            return self.none()
        return self.filter(controller_code__in=sorted(codes))


class AccessLogEntry(models.Model):
    """Append-only (database triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained per controller."""

    chain = models.CharField(_("chain"), max_length=16, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)
    occurred_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    controller = models.ForeignKey(
        "zones.Organisation", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("controller")
    )
    controller_code = models.CharField(_("controlling organisation"), max_length=16)
    action = models.CharField(_("action"), max_length=24, choices=AccessAction.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True)
    actor_name = models.CharField(_("actor"), max_length=200, blank=True)
    actor_organisation_code = models.CharField(_("actor's organisation"), max_length=16, blank=True)
    camera_ids = models.JSONField(_("cameras"), default=list)
    camera_names = models.JSONField(_("camera names"), default=list)
    window_start = models.DateTimeField(_("footage from"), null=True)
    window_end = models.DateTimeField(_("footage until"), null=True)
    mode = models.CharField(_("mode"), max_length=16, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    case_reference = models.CharField(_("case reference"), max_length=100, blank=True)
    prosecutor_reference = models.CharField(_("prosecutor decision"), max_length=100, blank=True)
    recipient_code = models.CharField(_("recipient organisation"), max_length=16, blank=True)
    convention_reference = models.CharField(_("convention"), max_length=32, blank=True)
    convention_version = models.PositiveIntegerField(_("convention version"), null=True)
    decision = models.CharField(_("decision"), max_length=8, blank=True)
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    source_address = models.GenericIPAddressField(_("source address"), null=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AccessLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        indexes = [
            models.Index(fields=["controller_code", "occurred_at"]),
            models.Index(fields=["actor_id"]),
            # The DPO console's "denied" filters over millions of entries, newest first, for one chain (the second
            # column is checked inside the index) or all; partial, so only refusals (a few percent of the log) pay
            # for them when appended.
            models.Index(
                fields=["occurred_at", "controller_code"],
                condition=models.Q(decision="deny"),
                name="audit_log_deny_time",
            ),
            models.Index(
                fields=["occurred_at", "controller_code"],
                condition=models.Q(action="denied"),
                name="audit_log_denied_time",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="access_log_chain_sequence")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_name} {self.decision}"


class ChainHead(models.Model):
    """The last link of one chain. Its row lock serialises writers of that chain (one chain per controller
    spreads the lock across organisations)."""

    chain = models.CharField(max_length=16, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.chain}#{self.sequence}"


class SignedHead(models.Model):
    """A chain head signed with the platform's Ed25519 key: entries removed after it cannot go unnoticed."""

    chain = models.CharField(max_length=16, db_index=True)
    sequence = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=100)
    key_fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [models.UniqueConstraint(fields=["chain", "sequence"], name="signed_head_unique")]

    def __str__(self):
        return f"{self.chain}#{self.sequence} signed {self.signed_at:%Y-%m-%d %H:%M}"


class ChainVerification(models.Model):
    """The outcome of the last verification of each chain, for the DPO's chain-status panel."""

    chain = models.CharField(max_length=16, unique=True)
    verified_at = models.DateTimeField()
    entries = models.PositiveBigIntegerField()
    ok = models.BooleanField()
    problem = models.TextField(blank=True)

    def __str__(self):
        return f"{self.chain} {'ok' if self.ok else 'BROKEN'} at {self.verified_at:%Y-%m-%d %H:%M}"
