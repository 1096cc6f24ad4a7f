"""Water chemistry of a visit: the installation's profile and targets, the readings with their
flags, the water balance and the dose advice; the doses applied become catalogue parts of the
report (so the completion debits the van)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from aquaerp_runtime.authz import TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, Unavailable

from .access import OFFICE, parse_id, reportable_intervention, visible_intervention
from .catalogue_client import Catalogue, DosingCatalogue
from .contracts import InstallationDirectory, InstallationInfo
from .dosing import Advice, PoolState, advise
from .lifecycle import Status
from .report_content import PartInput, check_parts
from .repository import InterventionRepository, InterventionRow
from .views import InterventionView, view
from .water_balance import Balance, BalanceError, WaterSample, water_balance
from .water_profile import Profile, Sanitiser, check_profile, effective_volume, surface_m2
from .water_readings import ReadingInput, calibration_overdue, check_readings, flags_of, unit_of
from .water_repository import DoseRow, PhotometerRow, ProfileRow, ReadingRow, WaterRepository
from .water_targets import Parameter, Target, regulatory_limits, resolve_targets

Ranges = dict[Parameter, tuple[float | None, float | None]]
DEFAULT_TREND_VISITS = 12


class WaterCatalogue(Catalogue, DosingCatalogue, Protocol):
    """Prices for the applied doses, dosing roles and strengths for the advice."""


@dataclass(frozen=True)
class ProfileView:
    installation_id: str
    site_id: str
    spa: bool
    profile: Profile
    volume_m3: float
    surface_m2: float
    targets: dict[Parameter, Target]


@dataclass(frozen=True)
class WaterTestView:
    intervention_id: str
    installation_id: str
    readings: list[ReadingRow]
    volume_m3: float
    balance: Balance | None
    advice: Advice
    applied: list[DoseRow] = field(default_factory=list)


@dataclass(frozen=True)
class DoseInput:
    product_id: str
    quantity: str
    parameter: Parameter | None
    advised_quantity: str = ""


def _profile_of(row: ProfileRow | None, info: InstallationInfo) -> Profile:
    return Profile.from_json(row.profile) if row else Profile(Sanitiser.CHLORINE)


class WaterService:
    def __init__(
        self,
        database: Database,
        installations: InstallationDirectory,
        clock: Clock,
        catalogue: WaterCatalogue | None = None,
    ) -> None:
        self.database = database
        self.installations = installations
        self.clock = clock
        self.catalogue = catalogue

    # -- profiles and targets ---------------------------------------------------------------
    async def _profile_view(self, repo: WaterRepository, info: InstallationInfo) -> ProfileView:
        row = await repo.profile(uuid.UUID(info.installation_id))
        profile = _profile_of(row, info)
        scopes = [("company", ""), ("site", info.site_id), ("installation", info.installation_id)]
        stored = await repo.targets(scopes)
        layers = [
            (scope, {Parameter(p): r for p, r in stored[(scope, scope_id)].items()})
            for scope, scope_id in scopes
        ]
        targets = resolve_targets(
            layers, collective=profile.collective, stabilised=profile.stabilised, spa=info.spa
        )
        return ProfileView(
            info.installation_id,
            info.site_id,
            info.spa,
            profile,
            effective_volume(profile, info.volume_m3),
            round(surface_m2(profile), 2),
            targets,
        )

    async def _installation(self, installation_id: str) -> InstallationInfo:
        parse_id(installation_id, "installation_id")
        return await self.installations.installation(installation_id)

    async def set_profile(self, installation_id: str, profile: Profile) -> ProfileView:
        require_roles(*OFFICE, TECHNICIEN)
        check_profile(profile)
        info = await self._installation(installation_id)
        async with self.database.unit_of_work() as session:
            repo = WaterRepository(session)
            await repo.save_profile(
                ProfileRow(
                    uuid.UUID(info.installation_id),
                    uuid.UUID(info.site_id),
                    info.spa,
                    info.volume_m3,
                    profile.as_json(),
                )
            )
            return await self._profile_view(repo, info)

    async def get_profile(self, installation_id: str) -> ProfileView:
        require_roles(*OFFICE, TECHNICIEN)
        info = await self._installation(installation_id)
        async with self.database.unit_of_work() as session:
            return await self._profile_view(WaterRepository(session), info)

    async def set_targets(self, site_id: str, installation_id: str, ranges: Ranges) -> Ranges:
        require_roles(*OFFICE)
        if installation_id and site_id:
            raise InvalidArgument(
                "une installation ou un site, pas les deux", fields={"site_id": "avec installation"}
            )
        scope, scope_id = "company", ""
        if installation_id:
            scope, scope_id = (
                "installation",
                (await self._installation(installation_id)).installation_id,
            )
        elif site_id:
            scope, scope_id = "site", str(parse_id(site_id, "site_id"))
        for index, (low, high) in enumerate(ranges.values()):
            if low is not None and high is not None and low > high:
                raise InvalidArgument(
                    "plage inversée", fields={f"targets.{index}.low": "supérieur au maximum"}
                )
        async with self.database.unit_of_work() as session:
            await WaterRepository(session).replace_targets(
                scope, scope_id, {p.value: r for p, r in ranges.items()}
            )
        return ranges

    # -- photometers ------------------------------------------------------------------------
    async def set_photometer(
        self, serial: str, model: str, calibrated_on: date | None
    ) -> PhotometerRow:
        require_roles(*OFFICE)
        serial = serial.strip()
        if not serial:
            raise InvalidArgument("numéro de série requis", fields={"serial": "requis"})
        if calibrated_on is None:
            raise InvalidArgument(
                "date d'étalonnage requise", fields={"photometer.last_calibrated_on": "requis"}
            )
        if calibrated_on > self.clock.today():
            raise InvalidArgument(
                "étalonnage dans le futur", fields={"photometer.last_calibrated_on": "futur"}
            )
        row = PhotometerRow(serial, model.strip(), calibrated_on)
        async with self.database.unit_of_work() as session:
            await WaterRepository(session).save_photometer(row)
        return row

    async def photometers(self, overdue_only: bool) -> list[tuple[PhotometerRow, bool]]:
        require_roles(*OFFICE, TECHNICIEN)
        today = self.clock.today()
        async with self.database.unit_of_work() as session:
            rows = await WaterRepository(session).photometers()
        marked = [(row, calibration_overdue(row.last_calibrated_on, today)) for row in rows]
        return [m for m in marked if m[1]] if overdue_only else marked

    async def visit_installations(self, intervention_id: str) -> list[InstallationInfo]:
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(InterventionRepository(session), intervention_id)
        return await self.installations.installations(row.site_id)

    # -- readings ---------------------------------------------------------------------------
    async def _visit_installation(
        self, row: InterventionRow, installation_id: str
    ) -> InstallationInfo:
        info = await self._installation(installation_id)
        if info.site_id != row.site_id:
            raise InvalidArgument(
                "cette installation n'est pas sur le site de la visite",
                fields={"installation_id": "autre site"},
            )
        return info

    async def record_readings(
        self,
        intervention_id: str,
        installation_id: str,
        readings: list[ReadingInput],
        cover_on: bool,
    ) -> WaterTestView:
        check_readings(readings)
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(InterventionRepository(session), intervention_id)
        info = await self._visit_installation(row, installation_id)
        now, today = self.clock.now(), self.clock.today()
        async with self.database.unit_of_work() as session:
            repo = WaterRepository(session)
            locked = await reportable_intervention(
                InterventionRepository(session), intervention_id, for_update=True
            )
            if locked.status != Status.IN_PROGRESS:
                raise FailedPrecondition(
                    "démarrer la visite avant de saisir les mesures",
                    fields={"status": locked.status},
                )
            profile = await self._profile_view(repo, info)
            limits = (
                regulatory_limits(profile.profile.stabilised, info.spa)
                if profile.profile.collective
                else {}
            )
            serials = {r.photometer_serial.strip() for r in readings if r.photometer_serial}
            calibrations = {
                p.serial: p.last_calibrated_on for p in await repo.photometers(list(serials))
            }
            stored = []
            for reading in readings:
                serial = reading.photometer_serial.strip()
                overdue = (
                    calibration_overdue(calibrations[serial], today)
                    if serial in calibrations
                    else None
                )
                target = profile.targets.get(reading.parameter)
                stored.append(
                    {
                        "parameter": reading.parameter.value,
                        "value": reading.value,
                        "unit": unit_of(reading.parameter),
                        "method": reading.method.value,
                        "photometer_serial": serial,
                        "flags": [
                            f.value
                            for f in flags_of(
                                reading, target, limits.get(reading.parameter), overdue
                            )
                        ],
                        "target_low": target.low if target else None,
                        "target_high": target.high if target else None,
                        "target_source": target.source if target else "",
                        "taken_at": now,
                    }
                )
            await repo.replace_readings(locked.id, uuid.UUID(info.installation_id), stored)
        return await self._test(row, info, cover_on)

    async def water_test(self, intervention_id: str, installation_id: str) -> WaterTestView:
        async with self.database.unit_of_work() as session:
            row = await visible_intervention(InterventionRepository(session), intervention_id)
        info = await self._visit_installation(row, installation_id)
        return await self._test(row, info, cover_on=False)

    async def _test(
        self, row: InterventionRow, info: InstallationInfo, cover_on: bool
    ) -> WaterTestView:
        async with self.database.unit_of_work() as session:
            repo = WaterRepository(session)
            profile = await self._profile_view(repo, info)
            readings = await repo.readings(row.id, uuid.UUID(info.installation_id))
            applied = await repo.doses(row.id, uuid.UUID(info.installation_id))
        values = {Parameter(r.parameter): r.value for r in readings}
        balance = _balance(values, profile.targets)
        products, notes = [], []
        if self.catalogue is None:
            notes.append("catalogue indisponible : doses sans produit")
        else:
            try:
                products = await self.catalogue.dosing_products()
            except Unavailable:
                notes.append("catalogue indisponible : doses sans produit")
        advice = advise(
            PoolState(profile.volume_m3, values, profile.targets, cover_on=cover_on), products
        )
        advice.notes.extend(notes)
        return WaterTestView(
            str(row.id), info.installation_id, readings, profile.volume_m3, balance, advice, applied
        )

    async def trend(
        self, installation_id: str, parameter: Parameter, visits: int
    ) -> tuple[list[ReadingRow], Target | None]:
        require_roles(*OFFICE, TECHNICIEN)
        info = await self._installation(installation_id)
        visits = visits or DEFAULT_TREND_VISITS
        async with self.database.unit_of_work() as session:
            repo = WaterRepository(session)
            points = await repo.trend(uuid.UUID(info.installation_id), parameter.value, visits)
            profile = await self._profile_view(repo, info)
        return points, profile.targets.get(parameter)

    # -- doses ------------------------------------------------------------------------------
    async def apply_doses(
        self, intervention_id: str, installation_id: str, doses: list[DoseInput]
    ) -> tuple[WaterTestView, InterventionView]:
        async with self.database.unit_of_work() as session:
            row = await reportable_intervention(InterventionRepository(session), intervention_id)
        info = await self._visit_installation(row, installation_id)
        parts_in = [
            PartInput("dose", "", d.quantity, "", 0, "EUR", True, product_id=d.product_id.strip())
            for d in doses
        ]
        for index, dose in enumerate(doses):
            if not dose.product_id.strip():
                raise InvalidArgument(
                    "produit requis", fields={f"doses.{index}.product_id": "requis"}
                )
        quotes = {}
        if parts_in:
            if self.catalogue is None:
                raise FailedPrecondition("le catalogue n'est pas disponible")
            quotes = await self.catalogue.quote(
                list(enumerate(p.product_id for p in parts_in)),
                row.contract_id or "",
                self.clock.today(),
                str(row.technician_id) if row.technician_id else "",
            )
        try:
            cleaned = check_parts(parts_in, quotes)
        except InvalidArgument as error:
            fields = {k.replace("parts.", "doses.", 1): v for k, v in error.fields.items()}
            raise InvalidArgument(error.message, fields=fields) from None
        for part in cleaned:
            # Marks the part as this installation's dose: a later SaveReport keeps it, a
            # new ApplyDoses replaces it.
            part["water_dose"] = info.installation_id
        async with self.database.unit_of_work() as session:
            interventions = InterventionRepository(session)
            locked = await reportable_intervention(interventions, intervention_id, for_update=True)
            if locked.status != Status.IN_PROGRESS:
                raise FailedPrecondition(
                    "démarrer la visite avant d'appliquer des doses",
                    fields={"status": locked.status},
                )
            report = await interventions.report(locked.id)
            kept = [
                p
                for p in (report.parts if report else [])
                if p.get("water_dose") != info.installation_id
            ]
            await interventions.save_report(locked.id, {"parts": kept + cleaned})
            await interventions.update_intervention(locked.id, {})
            await WaterRepository(session).replace_doses(
                locked.id,
                uuid.UUID(info.installation_id),
                [
                    DoseRow(
                        d.product_id.strip(),
                        cleaned[i]["quantity"],
                        d.advised_quantity,
                        d.parameter.value if d.parameter else "",
                    )
                    for i, d in enumerate(doses)
                ],
                self.clock.now(),
            )
            updated = await interventions.intervention(locked.id)
            assert updated is not None
            visit = await view(interventions, updated, self.clock.now())
        return await self._test(row, info, cover_on=False), visit


def _balance(values: dict[Parameter, float], targets: dict[Parameter, Target]) -> Balance | None:
    needed = (
        Parameter.PH,
        Parameter.TEMPERATURE,
        Parameter.CALCIUM_HARDNESS,
        Parameter.TOTAL_ALKALINITY,
    )
    if any(p not in values for p in needed):
        return None
    ph_target = targets.get(Parameter.PH)
    bounds = (ph_target.low or 7.2, ph_target.high or 7.6) if ph_target else (7.2, 7.6)
    try:
        return water_balance(
            WaterSample(
                values[Parameter.PH],
                values[Parameter.TEMPERATURE],
                values[Parameter.CALCIUM_HARDNESS],
                values[Parameter.TOTAL_ALKALINITY],
                values.get(Parameter.CYANURIC_ACID, 0.0),
                values.get(Parameter.TDS),
            ),
            bounds,
        )
    except BalanceError:
        return None
