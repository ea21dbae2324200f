"""Where the region is: its bounding box and the municipalities' approximate centres (project data)."""

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DATA_FILE = Path(__file__).resolve().parent.parent / "zones" / "data" / "municipality_centroids.json"


@cache
def _data():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def bounds():
    return _data()["region_bounds"]


def centroids():
    """NIS code -> (latitude, longitude)."""
    return {nis: tuple(point) for nis, point in _data()["centroids"].items()}


def inside_region(latitude, longitude):
    box = bounds()
    return box["lat_min"] <= float(latitude) <= box["lat_max"] and box["lon_min"] <= float(longitude) <= box["lon_max"]


def validate_position(latitude, longitude):
    if latitude is None or longitude is None:
        return
    if not inside_region(Decimal(latitude), Decimal(longitude)):
        box = bounds()
        raise ValidationError(
            _(
                "The position %(lat)s, %(lon)s is outside the region (latitude %(lat_min)s–%(lat_max)s, "
                "longitude %(lon_min)s–%(lon_max)s). Check that latitude and longitude are not swapped."
            )
            % {"lat": latitude, "lon": longitude, **box}
        )
