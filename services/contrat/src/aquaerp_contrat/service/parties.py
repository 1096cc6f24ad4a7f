"""Parties: customers, their sites, and the installations on those sites."""

from __future__ import annotations

from dataclasses import replace

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.csv_export import csv_bytes
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from aquaerp_runtime.paging import page_limit

from .. import validation
from ..domain import Customer, CustomerType, Installation, Site
from ..repository import ContratRepository, customer_columns, site_columns
from ..repository.parties import CUSTOMER_SORTING
from .access import (
    EVERYTHING,
    GATE_CODE_READERS,
    MANAGERS,
    OFFICE_READERS,
    READERS,
    Page,
    Visibility,
    parse_id,
    visibility_of,
)

# An exported list is what a spreadsheet comfortably opens; narrow the filter for more.
MAX_LIST_EXPORT = 10_000
CUSTOMER_CSV_HEADER = [
    "Code",
    "Nom",
    "Type",
    "E-mail",
    "Téléphone",
    "Adresse",
    "Code postal",
    "Ville",
    "SIRET",
    "Archivé",
]


def _customer_cells(customer: Customer) -> list[str]:
    address = customer.billing_address
    return [
        customer.code,
        customer.name,
        "professionnel" if customer.type == CustomerType.BUSINESS else "particulier",
        customer.billing_email,
        customer.phone,
        " ".join(address.lines),
        address.postal_code,
        address.city,
        customer.siret,
        "oui" if customer.archived else "non",
    ]


class Parties:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    # -- customers ---------------------------------------------------------------------------
    async def create_customer(self, draft: validation.CustomerDraft) -> Customer:
        require_roles(*MANAGERS)
        values = validation.customer_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if values["code"]:
                if await repo.customer_code_taken(values["code"]):
                    raise AlreadyExists(
                        "this customer code is taken", fields={"code": "already used"}
                    )
            else:
                values["code"] = await self._new_customer_code(repo)
            customer = await repo.insert_customer(customer_columns(values))
            await repo.add_customer_event(
                "contrat.customer.created",
                customer.id,
                {"customer_id": str(customer.id), "code": customer.code},
            )
        return customer

    @staticmethod
    async def _new_customer_code(repo: ContratRepository) -> str:
        while True:
            code = f"C{await repo.next_counter_value('customer'):05d}"
            if not await repo.customer_code_taken(code):
                return code

    async def _visible_customer(
        self,
        repo: ContratRepository,
        customer_id: str,
        visibility: Visibility,
        *,
        for_update: bool = False,
    ) -> Customer:
        customer = await repo.customer_by_id(
            parse_id(customer_id, "customer"), for_update=for_update
        )
        if customer is None or not visibility.allows(customer.id):
            raise NotFound("customer not found")
        return customer

    async def get_customer(self, customer_id: str) -> Customer:
        visibility = visibility_of(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            return await self._visible_customer(ContratRepository(session), customer_id, visibility)

    async def list_customers(
        self,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        page_size: int,
        page_token: str,
        order_by: str = "",
    ) -> Page[Customer]:
        visibility = visibility_of(require_roles(*READERS))
        limit = page_limit(page_size)
        order = CUSTOMER_SORTING.order(order_by)
        async with self.database.unit_of_work() as session:
            rows, token, total = await ContratRepository(session).list_customers(
                query=query.strip()[:200],
                customer_type=customer_type,
                include_archived=include_archived,
                only_id=visibility.customer_id if visibility.restricted else None,
                order=order,
                page_token=page_token,
                limit=limit,
            )
        return Page(rows, token, total)

    async def export_customer_list(
        self,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        order_by: str = "",
    ) -> bytes:
        """The filtered, sorted customers as CSV (at most MAX_LIST_EXPORT rows)."""
        require_roles(*OFFICE_READERS)
        order = CUSTOMER_SORTING.order(order_by)
        async with self.database.unit_of_work() as session:
            rows = await ContratRepository(session).export_customers(
                query=query.strip()[:200],
                customer_type=customer_type,
                include_archived=include_archived,
                only_id=None,
                order=order,
                maximum=MAX_LIST_EXPORT,
            )
        return csv_bytes(CUSTOMER_CSV_HEADER, [_customer_cells(c) for c in rows])

    async def update_customer(self, customer_id: str, draft: validation.CustomerDraft) -> Customer:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            existing = await self._visible_customer(repo, customer_id, EVERYTHING, for_update=True)
            values = validation.customer_values(replace(draft, type=existing.type))
            if not values["code"]:
                values["code"] = existing.code
            elif values["code"] != existing.code and await repo.customer_code_taken(
                values["code"], except_id=existing.id
            ):
                raise AlreadyExists("this customer code is taken", fields={"code": "already used"})
            values.pop("type")
            return await repo.update_customer(existing.id, customer_columns(values))

    async def set_customer_archived(self, customer_id: str, archived: bool) -> Customer:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(repo, customer_id, EVERYTHING, for_update=True)
            if archived and await repo.customer_has_live_contracts(customer.id):
                raise FailedPrecondition("the customer has a contract in force; terminate it first")
            if archived == customer.archived:
                return customer
            return await repo.update_customer(
                customer.id, {"archived_at": self.clock.now() if archived else None}
            )

    async def delete_customer(self, customer_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(repo, customer_id, EVERYTHING, for_update=True)
            if await repo.customer_is_referenced(customer.id):
                raise FailedPrecondition("the customer has sites or contracts: archive it instead")
            await repo.delete_customer(customer.id)

    # -- sites -------------------------------------------------------------------------------
    async def create_site(self, customer_id: str, draft: validation.SiteDraft) -> Site:
        require_roles(*MANAGERS)
        values = validation.site_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(repo, customer_id, EVERYTHING)
            if customer.archived:
                raise FailedPrecondition("the customer is archived")
            return await repo.insert_site({**site_columns(values), "customer_id": customer.id})

    async def _visible_site(
        self,
        repo: ContratRepository,
        site_id: str,
        visibility: Visibility,
        *,
        for_update: bool = False,
    ) -> Site:
        site = await repo.site_by_id(parse_id(site_id, "site"), for_update=for_update)
        if site is None or not visibility.allows(site.customer_id):
            raise NotFound("site not found")
        return site

    async def get_site(self, site_id: str) -> tuple[Site, bool]:
        """The site, and whether the caller may see its gate code."""
        principal = require_roles(*READERS)
        async with self.database.unit_of_work() as session:
            site = await self._visible_site(
                ContratRepository(session), site_id, visibility_of(principal)
            )
        return site, principal.is_service or principal.has_any(*GATE_CODE_READERS)

    async def list_sites(
        self, customer_id: str, query: str, include_archived: bool, page_size: int, page_token: str
    ) -> Page[Site]:
        visibility = visibility_of(require_roles(*READERS))
        limit = page_limit(page_size)
        wanted = parse_id(customer_id, "customer") if customer_id else None
        if visibility.restricted:
            if wanted is not None and wanted != visibility.customer_id:
                return Page([], "")
            wanted = visibility.customer_id
        async with self.database.unit_of_work() as session:
            rows, token, total = await ContratRepository(session).list_sites(
                customer_id=wanted,
                query=query.strip()[:200],
                include_archived=include_archived,
                page_token=page_token,
                limit=limit,
            )
        return Page(rows, token, total)

    async def update_site(self, site_id: str, draft: validation.SiteDraft) -> Site:
        require_roles(*MANAGERS)
        values = validation.site_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, EVERYTHING, for_update=True)
            return await repo.update_site(site.id, site_columns(values))

    async def archive_site(self, site_id: str) -> Site:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, EVERYTHING, for_update=True)
            if await repo.site_has_live_contracts(site.id):
                raise FailedPrecondition("a contract in force covers this site")
            if site.archived:
                return site
            return await repo.update_site(site.id, {"archived_at": self.clock.now()})

    # -- installations ---------------------------------------------------------------------------
    async def create_installation(
        self, site_id: str, draft: validation.InstallationDraft
    ) -> Installation:
        require_roles(*MANAGERS)
        values = validation.installation_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, EVERYTHING)
            if site.archived:
                raise FailedPrecondition("the site is archived")
            return await repo.insert_installation({**values, "site_id": site.id})

    async def _visible_installation(
        self, repo: ContratRepository, installation_id: str, visibility: Visibility
    ) -> Installation:
        installation = await repo.installation_by_id(parse_id(installation_id, "installation"))
        if installation is None:
            raise NotFound("installation not found")
        site = await repo.site_by_id(installation.site_id)
        if site is None or not visibility.allows(site.customer_id):
            raise NotFound("installation not found")
        return installation

    async def get_installation(self, installation_id: str) -> Installation:
        visibility = visibility_of(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            return await self._visible_installation(
                ContratRepository(session), installation_id, visibility
            )

    async def list_installations(self, site_id: str) -> list[Installation]:
        visibility = visibility_of(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, visibility)
            return await repo.list_installations(site.id)

    async def update_installation(
        self, installation_id: str, draft: validation.InstallationDraft
    ) -> Installation:
        require_roles(*MANAGERS)
        values = validation.installation_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            installation = await self._visible_installation(repo, installation_id, EVERYTHING)
            return await repo.update_installation(installation.id, values)

    async def delete_installation(self, installation_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            installation = await self._visible_installation(repo, installation_id, EVERYTHING)
            await repo.delete_installation(installation.id)
