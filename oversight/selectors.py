"""Reads of the access log for the console, its exports and its API, restricted by the policy's rule of who reads
which chain (conventions.policy.logs). Another organisation's entry answers 404 (entry_get)."""

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from audit.access import PLATFORM_CHAIN
from audit.models import AccessLogEntry, ChainHead, ChainVerification, SignedHead
from conventions.policy import ALL_CHAINS, readable_chains
from zones.models import Organisation

__all__ = [
    "COUNT_LIMIT",
    "chain_list",
    "chain_organisations",
    "chain_status",
    "entry_get",
    "entry_list",
]

# Lists count their matches only up to this (+1, to know there are more): counting every match of a broad filter
# over millions of entries takes seconds. Exports stream every match.
COUNT_LIMIT = 1_000


def entry_list(*, actor):
    """The access-log entries this actor may read (an empty queryset for a role without log rights)."""
    return AccessLogEntry.objects.in_chains(readable_chains(actor))


def entry_get(*, actor, pk):
    try:
        return entry_list(actor=actor).get(pk=pk)
    except (AccessLogEntry.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such access-log entry.")) from None


def chain_list(*, actor):
    """The chain codes this actor reads, sorted (every existing chain for the supervisor)."""
    chains = readable_chains(actor)
    if chains is ALL_CHAINS:
        return sorted(set(ChainHead.objects.values_list("chain", flat=True)))
    return sorted(chains)


def chain_organisations(codes):
    """{code: organisation} of these chains (codes taken from entries or chains the actor reads)."""
    return {o.code: o for o in Organisation.objects.filter(code__in=codes)}


def chain_label(code, organisations=None):
    if code == PLATFORM_CHAIN:
        return _("Platform")
    organisation = (organisations or {}).get(code)
    if organisation is None:
        organisation = Organisation.objects.filter(code=code).first()
    return f"{code} · {organisation.name}" if organisation else code


def chain_choices(*, actor):
    chains = chain_list(actor=actor)
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=chains)}
    return [(code, chain_label(code, organisations)) for code in chains]


def chain_status(*, actor):
    """One row per readable chain: entry count, last verification, last signed head."""
    chains = chain_list(actor=actor)
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=chains)}
    heads = dict(ChainHead.objects.filter(chain__in=chains).values_list("chain", "sequence"))
    verifications = {v.chain: v for v in ChainVerification.objects.filter(chain__in=chains)}
    # Each chain's newest signed head by one backward step along the (chain, sequence) index: heads of busy chains
    # are signed every 30 seconds (a million a year), too many to group.
    newest = SignedHead.objects.filter(chain=OuterRef("chain")).order_by("-sequence").values("pk")[:1]
    last = ChainHead.objects.filter(chain__in=chains).annotate(last=Subquery(newest)).values_list("last", flat=True)
    signed = {head.chain: head for head in SignedHead.objects.filter(pk__in=[pk for pk in last if pk is not None])}
    return [
        {
            "chain": code,
            "label": chain_label(code, organisations),
            "entries": heads.get(code, 0),
            "verification": verifications.get(code),
            "signed_head": signed.get(code),
        }
        for code in chains
    ]
