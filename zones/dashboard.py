"""What the dashboard shows besides the roles' cards: panels the other apps register at start-up (the cameras of the
organisation that are offline, and later what waits for each person), so the shell imports none of them."""

from dataclasses import dataclass

__all__ = ["Panel", "panels_for", "register_panel"]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


_builders = {}


def register_panel(name, build, template):
    """`build(actor)` -> a dict for `template`, or None when the panel has nothing to show."""
    _builders[name] = (build, template)


def panels_for(actor):
    panels = []
    for build, template in _builders.values():
        context = build(actor)
        if context:
            panels.append(Panel(template=template, context=context))
    return panels
