"""What an access-log entry's `details` may hold: JSON values that come back from the database as they went in.

The entry hash covers the canonical JSON of the details (audit.chain.canonical_body), and verify_audit recomputes it
from the stored row, so a value the database changes on its way in and out makes an intact entry look altered.
PostgreSQL's jsonb keeps numbers as `numeric`: 1e20 comes back as the integer 100000000000000000000, -0.0 as 0.0;
a NUL character in a string is refused; NaN and Infinity are not JSON at all. SQLite keeps Python's text.

Rather than a second canonical form for numbers (a versioned hash rule that every verifier, the SQL check and a
third party would have to follow, with old entries on the old rule), the one entry point stores only values whose
canonical form survives both databases: the hash rule stays as documented and every entry already written keeps
verifying exactly as before. `storable_details` returns the value to store and hash:

- a float with an integral value (3.0, 1e20, -0.0) becomes the integer its shortest spelling says, as jsonb would
  keep it (jsonb reads 1e20 back as an integer, and has no negative zero); any other finite float is kept: Python
  writes its shortest spelling, jsonb keeps that decimal exactly and Python reads back the same float;
- NaN and Infinity, integers beyond MAX_INTEGER_DIGITS digits, strings holding NUL (jsonb refuses it) or a lone
  surrogate (it has no UTF-8, so it can be neither hashed nor stored), keys other than strings (json would turn 1
  into "1" and sort them differently afterwards), nesting deeper than MAX_DEPTH and any other type are refused with
  InvalidDetails, naming where;
- tuples become lists and an enum member of str or int its plain value (as json writes them).

Entries written before this rule may hold such a float as hashed, and on PostgreSQL read back rewritten (1e20 as
an integer, -0.0 as 0.0): earlier_spellings gives verify_audit the values they were hashed with.
"""

import math
from decimal import Decimal

__all__ = ["MAX_DEPTH", "MAX_INTEGER_DIGITS", "InvalidDetails", "earlier_spellings", "storable_details"]

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 400  # above any float's integral value (1.8e308); Python's json reads at most 4300 digits
_LIMIT = 10**MAX_INTEGER_DIGITS


class InvalidDetails(ValueError):
    """The details hold a value the access log cannot store unchanged."""

    def __init__(self, where, problem):
        super().__init__(f"details{''.join(f'[{step!r}]' for step in where)}: {problem}")


def _string(value, where):
    if "\x00" in value:
        raise InvalidDetails(where, "a string holds a NUL character, which PostgreSQL cannot store")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidDetails(where, "a string holds a lone surrogate, which UTF-8 cannot encode") from None
    return value


def _number(value, where):
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidDetails(where, f"{value!r} is not a JSON number")
        if not value.is_integer():
            return value
        value = int(Decimal(repr(value)))  # as jsonb would keep it: 3.0 -> 3, 2.5e30 -> 25 * 10**29, -0.0 -> 0
    if not -_LIMIT < value < _LIMIT:
        raise InvalidDetails(where, f"an integer of more than {MAX_INTEGER_DIGITS} digits")
    return value


def _value(value, where):
    if isinstance(value, str):
        return _string(str.__str__(value), where)  # a str subclass (an enum's member) as json writes it
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int | float):
        return _number(int(value) if isinstance(value, int) else float(value), where)
    if len(where) >= MAX_DEPTH and isinstance(value, dict | list | tuple):
        raise InvalidDetails(where, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidDetails(where, f"the key {key!r} is not a string")
            inner = (*where, key)
            result[_string(str.__str__(key), inner)] = _value(item, inner)
        return result
    if isinstance(value, list | tuple):
        return [_value(item, (*where, index)) for index, item in enumerate(value)]
    raise InvalidDetails(where, f"{type(value).__name__} is not a JSON value")


def storable_details(details):
    """The details as the access log stores and hashes them (see the module's docstring); InvalidDetails if they
    hold a value no database would give back unchanged. None means no details ({})."""
    return {} if details is None else _value(details, ())


MAX_EARLIER_SPOTS = 10  # beyond this many rewritable numbers in one entry, only "all" and "none" are tried


def _rewritten_numbers(details):
    """Where a stored value may be a float that jsonb rewrote: (container, key, the float as written)."""
    spots, stack = [], [details]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in items:
            if isinstance(item, dict | list):
                stack.append(item)
            elif isinstance(item, float) and item == 0:
                spots.append((node, key, -0.0))  # jsonb has no negative zero
            elif isinstance(item, int) and not isinstance(item, bool) and 10**16 <= abs(item) < 2**1024:
                written = float(item)  # Python wrote 1e+20, jsonb gives back 100000000000000000000
                if "e" in repr(written) and Decimal(repr(written)) == item:
                    spots.append((node, key, written))
    return spots


def earlier_spellings(details):
    """Yield the stored details (changed in place, restored at the end) with the numbers jsonb may have rewritten
    put back as the floats Python wrote before storable_details existed, in every combination (or all at once).
    Each spells the same number as stored (the decimal of the float's shortest spelling, -0.0 == 0.0): accepting a
    hash over one never accepts another value. Nothing is yielded for details without such numbers."""
    spots = _rewritten_numbers(details)
    if not spots:
        return
    stored = [node[key] for node, key, _written in spots]
    masks = range(1, 2 ** len(spots)) if len(spots) <= MAX_EARLIER_SPOTS else [2 ** len(spots) - 1]
    try:
        for mask in masks:
            for index, (node, key, written) in enumerate(spots):
                node[key] = written if mask >> index & 1 else stored[index]
            yield details
    finally:
        for (node, key, _written), value in zip(spots, stored, strict=True):
            node[key] = value
