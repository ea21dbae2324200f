"""Signals other apps listen to without the catalogue knowing them."""

from django.dispatch import Signal

# Sent after cameras were written in bulk (bulk_create sends no post_save): scope caches must be rebuilt.
catalogue_changed = Signal()
