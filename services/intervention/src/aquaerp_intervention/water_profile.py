"""An installation's water profile: how the pool is built and treated, and the volume the doses
are computed on. Pure: no I/O."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from aquaerp_runtime.errors import InvalidArgument


class Shape(StrEnum):
    RECTANGLE = "rectangle"
    ROUND = "round"
    OVAL = "oval"
    FREEFORM = "freeform"


class Finish(StrEnum):
    LINER = "liner"
    CONCRETE = "concrete"
    POLYESTER = "polyester"


class Sanitiser(StrEnum):
    CHLORINE = "chlorine"
    SALT = "salt"
    BROMINE = "bromine"
    ACTIVE_OXYGEN = "active_oxygen"
    UV_CHLORINE = "uv_chlorine"


class Cover(StrEnum):
    NONE = "none"
    TARPAULIN = "tarpaulin"
    SHUTTER = "shutter"
    SHELTER = "shelter"


# A free-form pool holds about 85 % of its bounding rectangle (pool trade rule of thumb).
FREEFORM_FACTOR = 0.85


@dataclass(frozen=True)
class Profile:
    sanitiser: Sanitiser
    volume_m3: float = 0.0
    shape: Shape | None = None
    length_m: float = 0.0
    width_m: float = 0.0
    diameter_m: float = 0.0
    depth_min_m: float = 0.0
    depth_max_m: float = 0.0
    finish: Finish | None = None
    stabilised: bool = False
    indoor: bool = False
    heated: bool = False
    cover: Cover | None = None
    collective: bool = False

    def as_json(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        kinds = {"sanitiser": Sanitiser, "shape": Shape, "finish": Finish, "cover": Cover}
        values: dict[str, Any] = {
            k: (kinds[k](v) if k in kinds and v else v) for k, v in data.items()
        }
        return cls(**values)


def surface_m2(profile: Profile) -> float:
    """Water surface from the shape; 0 when unknown."""
    if profile.shape is Shape.ROUND:
        return math.pi * profile.diameter_m**2 / 4
    area = profile.length_m * profile.width_m
    if profile.shape is Shape.OVAL:
        return area * math.pi / 4
    if profile.shape is Shape.FREEFORM:
        return area * FREEFORM_FACTOR
    return area if profile.shape is Shape.RECTANGLE else 0.0


def mean_depth(profile: Profile) -> float:
    deep = profile.depth_max_m or profile.depth_min_m
    return (profile.depth_min_m + deep) / 2


def effective_volume(profile: Profile, installation_volume_m3: float) -> float:
    """The volume given, else computed from the shape (surface * mean depth), else contrat's."""
    if profile.volume_m3 > 0:
        return profile.volume_m3
    computed = surface_m2(profile) * mean_depth(profile)
    return round(computed, 2) if computed > 0 else installation_volume_m3


def check_profile(profile: Profile) -> None:
    """A shape needs its dimensions and a depth (422 naming each missing one)."""
    fields: dict[str, str] = {}
    if profile.shape is Shape.ROUND and profile.diameter_m <= 0:
        fields["profile.diameter_m"] = "requis pour un bassin rond"
    if profile.shape in (Shape.RECTANGLE, Shape.OVAL, Shape.FREEFORM):
        if profile.length_m <= 0:
            fields["profile.length_m"] = "requis pour cette forme"
        if profile.width_m <= 0:
            fields["profile.width_m"] = "requis pour cette forme"
    if profile.shape is not None and profile.depth_min_m <= 0:
        fields["profile.depth_min_m"] = "requis pour calculer le volume"
    if profile.depth_max_m and profile.depth_max_m < profile.depth_min_m:
        fields["profile.depth_max_m"] = "inférieure à la profondeur mini"
    if fields:
        raise InvalidArgument("profil d'eau incomplet", fields=fields)
