"""Which other owners' cameras an organisation may see: the catalogue does not know conventions, so the app that
shares cameras (conventions) registers the answer at start-up, and the catalogue's scoping asks it."""

__all__ = ["register_shared_cameras", "shared_cameras_q"]

_sources = []


def register_shared_cameras(source):
    """`source(actor)` -> a Q on Camera naming the other owners' cameras shared with the actor now, or None."""
    if source not in _sources:
        _sources.append(source)


def shared_cameras_q(actor):
    """The union of what the registered sources share with the actor; None when nothing is shared."""
    combined = None
    for source in _sources:
        q = source(actor)
        if q is not None:
            combined = q if combined is None else combined | q
    return combined
