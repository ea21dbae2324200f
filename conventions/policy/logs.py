"""Who reads which log, answered once here for the DPO console, its exports, the log API and the mayors' reports:

- a data protection officer or the chief of organisation X reads the chain of X (the entries X controls);
- the supervisory body (role "supervisor") reads every chain, read-only;
- a platform administrator reads the PLATFORM chain only (sign-ins, memberships: platform-level events);
- mayors and the supervisory body read the transparency reports (oversight.reports narrows a mayor to their zone
  or municipality);
- any other role reads nothing. Reading a log needs no video right.
"""

from audit.access import PLATFORM_CHAIN
from zones.models import Role

__all__ = ["ALL_CHAINS", "LOG_ROLES", "REPORT_ROLES", "can_read_log", "can_read_reports", "readable_chains"]

ALL_CHAINS = None  # readable_chains() for the supervisor: no restriction
OWN_CHAIN_ROLES = frozenset({Role.DPO, Role.CHIEF})
LOG_ROLES = OWN_CHAIN_ROLES | {Role.SUPERVISOR, Role.PLATFORM_ADMIN}
REPORT_ROLES = frozenset({Role.MAYOR, Role.SUPERVISOR})


def can_read_log(actor):
    return actor is not None and actor.has_role(*LOG_ROLES)


def readable_chains(actor):
    """ALL_CHAINS (None) for the supervisor, else the set of chain codes this actor reads (maybe empty)."""
    if actor is None:
        return set()
    if actor.is_supervisor:
        return ALL_CHAINS
    chains = set()
    if actor.has_role(*OWN_CHAIN_ROLES):
        chains.add(actor.organisation.code)
    if actor.is_platform_admin:
        chains.add(PLATFORM_CHAIN)
    return chains


def can_read_reports(actor):
    return actor is not None and actor.has_role(*REPORT_ROLES)
