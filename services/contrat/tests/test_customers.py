"""Customers: identifiers checked (SIREN Luhn key, SIRET, intra-EU VAT number and its French
key), search, archive instead of delete, and who may see what."""

from __future__ import annotations

import grpc
import pytest
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp_contrat import identifiers
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import (
    SIREN,
    VAT_NUMBER,
    Contrat,
    business_input,
    contract_input,
    private_input,
    site_input,
)


@pytest.mark.parametrize(
    ("siren", "valid"),
    [
        ("732829320", True),
        ("443061841", True),
        ("732829321", False),
        ("12345678", False),
        ("73282932A", False),
    ],
)
def test_siren_luhn_key(siren: str, valid: bool) -> None:
    assert (identifiers.siren_error(siren) is None) is valid


def test_french_vat_key_is_computed_from_the_siren() -> None:
    # 732829320 mod 97 = 43; (12 + 3 x 43) mod 97 = 141 mod 97 = 44.
    assert identifiers.french_vat_number(SIREN) == VAT_NUMBER
    assert identifiers.vat_number_error("FR45732829320", SIREN) == (
        "invalid French VAT number (key does not match the SIREN)"
    )
    assert (
        identifiers.vat_number_error("FR44732829320", "443061841")
        == "the VAT number does not belong to this SIREN"
    )
    assert identifiers.vat_number_error("DE123456789", "") is None
    assert identifiers.vat_number_error("DE12345678", "") == "invalid DE VAT number format"
    assert identifiers.vat_number_error("US123456789", "") is not None


def test_siret_must_extend_the_siren_with_a_valid_key() -> None:
    assert identifiers.siret_error("73282932000009", SIREN) is None
    assert (
        identifiers.siret_error("73282932000008", SIREN)
        == "invalid SIRET (check digit does not match)"
    )
    assert identifiers.siret_error("44306184100011", SIREN) == "the SIRET must start with the SIREN"


async def test_business_customer_gets_a_code_and_normalised_identifiers(contrat: Contrat) -> None:
    customer = await contrat.customer(
        business_input(siren="732 829 320", vat_number="fr 44 732829320", siret="732 829 320 00009")
    )
    assert customer.code.startswith("C") and len(customer.code) == 6
    assert (customer.siren, customer.vat_number, customer.siret) == (
        SIREN,
        VAT_NUMBER,
        "73282932000009",
    )
    assert customer.type == pb.CUSTOMER_TYPE_BUSINESS
    assert customer.billing_address.city == "Montpellier"
    fetched = await contrat.stub.GetCustomer(
        pb.GetCustomerRequest(id=customer.id), metadata=await contrat.office()
    )
    assert fetched == customer


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siren": "732829321"}, "siren", "invalid SIREN (check digit does not match)"),
        ({"siren": ""}, "siren", "required for a French business"),
        (
            {"vat_number": "FR45732829320"},
            "vat_number",
            "invalid French VAT number (key does not match the SIREN)",
        ),
        ({"vat_number": "FRXX1234"}, "vat_number", "invalid FR VAT number format"),
        ({"siret": "73282932000008"}, "siret", "invalid SIRET (check digit does not match)"),
        ({"legal_form": ""}, "legal_form", "required"),
        ({"billing_email": "not-an-email"}, "billing_email", "invalid email address"),
    ],
)
async def test_invalid_business_identifiers_are_refused_by_field(
    contrat: Contrat, changes: dict[str, str], field: str, message: str
) -> None:
    error = await rpc_error(
        contrat.stub.CreateCustomer(
            pb.CreateCustomerRequest(customer=business_input(**changes)),
            metadata=await contrat.office(),
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata())[field] == message
    assert await contrat.scalar("SELECT count(*) FROM contrat.customers") == 0


async def test_private_customer_cannot_carry_company_identifiers(contrat: Contrat) -> None:
    error = await rpc_error(
        contrat.stub.CreateCustomer(
            pb.CreateCustomerRequest(customer=private_input(siren=SIREN)),
            metadata=await contrat.office(),
        )
    )
    assert field_violations(error.trailing_metadata()) == {"siren": "only for business customers"}


async def test_search_by_name_code_email_city_and_pagination(contrat: Contrat) -> None:
    office = await contrat.office()
    names = ["Alice Rouvière", "Bruno Pujol", "Chloé Granier", "David Salles", "Emma Blanc"]
    created = [
        await contrat.customer(
            private_input(name=n, billing_email=f"{n.split()[0].lower()}@example.fr")
        )
        for n in names
    ]
    await contrat.customer(
        private_input(
            name="Zoé Sète",
            billing_address=common_pb2.Address(
                lines=["1 quai"], postal_code="34200", city="Sète", country="FR"
            ),
        )
    )

    async def search(query: str) -> list[str]:
        response = await contrat.stub.ListCustomers(
            pb.ListCustomersRequest(query=query), metadata=office
        )
        return [c.name for c in response.customers]

    assert await search("pujol") == ["Bruno Pujol"]
    assert await search(created[2].code.lower()) == ["Chloé Granier"]
    assert await search("emma@") == ["Emma Blanc"]
    assert await search("sète") == ["Zoé Sète"]
    seen: list[str] = []
    token = ""
    while True:
        page = await contrat.stub.ListCustomers(
            pb.ListCustomersRequest(page=common_pb2.PageRequest(page_size=2, page_token=token)),
            metadata=office,
        )
        assert len(page.customers) <= 2
        seen += [c.name for c in page.customers]
        token = page.page.next_page_token
        if not token:
            break
    assert seen == sorted([*names, "Zoé Sète"])
    bad = await rpc_error(
        contrat.stub.ListCustomers(
            pb.ListCustomersRequest(page=common_pb2.PageRequest(page_token="garbage")),
            metadata=office,
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(bad.trailing_metadata()) == {"page.page_token": "invalid page token"}


async def test_referenced_customer_is_archived_not_deleted(contrat: Contrat) -> None:
    office = await contrat.office()
    lonely = await contrat.customer(private_input(name="Sans Site"))
    await contrat.stub.DeleteCustomer(pb.DeleteCustomerRequest(id=lonely.id), metadata=office)
    gone = await rpc_error(
        contrat.stub.GetCustomer(pb.GetCustomerRequest(id=lonely.id), metadata=office)
    )
    assert gone.code() == grpc.StatusCode.NOT_FOUND

    contract = await contrat.active()
    refused = await rpc_error(
        contrat.stub.DeleteCustomer(
            pb.DeleteCustomerRequest(id=contract.customer_id), metadata=office
        )
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "archive it instead" in refused.details()
    live = await rpc_error(
        contrat.stub.ArchiveCustomer(
            pb.ArchiveCustomerRequest(id=contract.customer_id), metadata=office
        )
    )
    assert live.code() == grpc.StatusCode.FAILED_PRECONDITION

    customer = await contrat.customer(private_input(name="Ancien Client"))
    await contrat.site(customer.id)
    archived = await contrat.stub.ArchiveCustomer(
        pb.ArchiveCustomerRequest(id=customer.id), metadata=office
    )
    assert archived.archived
    listed = await contrat.stub.ListCustomers(
        pb.ListCustomersRequest(query="ancien"), metadata=office
    )
    assert list(listed.customers) == []
    listed = await contrat.stub.ListCustomers(
        pb.ListCustomersRequest(query="ancien", include_archived=True), metadata=office
    )
    assert [c.id for c in listed.customers] == [customer.id]
    no_site = await rpc_error(
        contrat.stub.CreateSite(
            pb.CreateSiteRequest(customer_id=customer.id, site=site_input()), metadata=office
        )
    )
    assert no_site.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_gate_code_only_in_get_site_for_allowed_roles(contrat: Contrat) -> None:
    customer = await contrat.customer()
    site = await contrat.site(customer.id)
    assert site.gate_code == "4821B"
    listed = await contrat.stub.ListSites(
        pb.ListSitesRequest(customer_id=customer.id), metadata=await contrat.office()
    )
    assert [(s.gate_code, s.has_gate_code) for s in listed.sites] == [("", True)]
    for role, expected in (("bureau", "4821B"), ("compta", "")):
        got = await contrat.stub.GetSite(
            pb.GetSiteRequest(id=site.id), metadata=await contrat.as_role(role)
        )
        assert got.gate_code == expected
        assert got.geo.latitude == pytest.approx(43.5675)
    own = await contrat.stub.GetSite(
        pb.GetSiteRequest(id=site.id), metadata=await contrat.as_role("client", customer.id)
    )
    assert own.gate_code == "4821B"


async def test_roles(contrat: Contrat) -> None:
    mine = await contrat.active()
    theirs = await contrat.active(private_input(name="Autre Client"))
    client = await contrat.as_role("client", mine.customer_id)

    got = await contrat.stub.GetContract(pb.GetContractRequest(id=mine.id), metadata=client)
    assert got.number == mine.number
    for call in (
        contrat.stub.GetContract(pb.GetContractRequest(id=theirs.id), metadata=client),
        contrat.stub.GetCustomer(pb.GetCustomerRequest(id=theirs.customer_id), metadata=client),
        contrat.stub.GetSite(pb.GetSiteRequest(id=theirs.site_ids[0]), metadata=client),
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.NOT_FOUND
    listed = await contrat.stub.ListContracts(pb.ListContractsRequest(), metadata=client)
    assert [c.id for c in listed.contracts] == [mine.id]
    customers = await contrat.stub.ListCustomers(pb.ListCustomersRequest(), metadata=client)
    assert [c.id for c in customers.customers] == [mine.customer_id]

    technicien = await contrat.as_role("technicien")
    denied = await rpc_error(
        contrat.stub.GetContract(pb.GetContractRequest(id=mine.id), metadata=technicien)
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    compta = await contrat.as_role("compta")
    assert (
        await contrat.stub.GetContract(pb.GetContractRequest(id=theirs.id), metadata=compta)
    ).id == theirs.id
    refused = await rpc_error(
        contrat.stub.CreateCustomer(
            pb.CreateCustomerRequest(customer=private_input()), metadata=compta
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    draft_refused = await rpc_error(
        contrat.stub.CreateContract(
            pb.CreateContractRequest(
                contract=contract_input(mine.customer_id, list(mine.site_ids))
            ),
            metadata=client,
        )
    )
    assert draft_refused.code() == grpc.StatusCode.PERMISSION_DENIED
