"""Demo data for the local stack: customers around Montpellier (Hérault), private and business,
sites with pools and spas, and active contracts with their maintenance plans.

Deterministic (a fixed random seed), created through the service so every rule applies, and
skipped when the first demo customer already exists.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

from aquaerp_runtime.context import Principal, principal_var
from dateutil.relativedelta import relativedelta

from . import identifiers, validation
from .domain import (
    Address,
    CustomerType,
    Equipment,
    Frequency,
    IndexationMethod,
    InstallationType,
    Timing,
)
from .service import ContratService

# (city, postal code, latitude, longitude)
CITIES = [
    ("Montpellier", "34000", 43.6108, 3.8767),
    ("Castelnau-le-Lez", "34170", 43.6333, 3.9000),
    ("Lattes", "34970", 43.5675, 3.9009),
    ("Pérols", "34470", 43.5650, 3.9536),
    ("Mauguio", "34130", 43.6167, 4.0083),
    ("Saint-Jean-de-Védas", "34430", 43.5775, 3.8275),
    ("Juvignac", "34990", 43.6136, 3.8106),
    ("Grabels", "34790", 43.6483, 3.8000),
    ("Clapiers", "34830", 43.6583, 3.8889),
    ("Le Crès", "34920", 43.6478, 3.9394),
    ("Palavas-les-Flots", "34250", 43.5283, 3.9275),
    ("Saint-Gély-du-Fesc", "34980", 43.6928, 3.8058),
    ("Prades-le-Lez", "34730", 43.6975, 3.8647),
    ("Baillargues", "34670", 43.6617, 4.0122),
    ("Vendargues", "34740", 43.6567, 3.9700),
    ("Fabrègues", "34690", 43.5508, 3.7764),
    ("Villeneuve-lès-Maguelone", "34750", 43.5322, 3.8614),
    ("La Grande-Motte", "34280", 43.5614, 4.0853),
    ("Lunel", "34400", 43.6753, 4.1358),
    ("Sète", "34200", 43.4028, 3.6933),
]
STREETS = [
    "rue des Oliviers",
    "avenue de la Mer",
    "chemin des Vignes",
    "impasse des Cigales",
    "allée des Pins",
    "rue du Mas de Rochet",
    "chemin de la Garrigue",
    "rue des Lavandes",
    "avenue du Pic Saint-Loup",
    "rue des Micocouliers",
    "chemin du Lez",
    "allée des Amandiers",
]
FIRST_NAMES = [
    "Camille",
    "Julien",
    "Sophie",
    "Nicolas",
    "Claire",
    "Thomas",
    "Isabelle",
    "Laurent",
    "Nathalie",
    "Olivier",
    "Élodie",
    "Mathieu",
    "Céline",
    "Sébastien",
    "Aurélie",
    "François",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Lefebvre",
    "Moreau",
    "Fournier",
    "Girard",
    "Roux",
    "Vincent",
    "Fabre",
    "Blanc",
    "Guerin",
    "Boyer",
    "Chevalier",
    "Garnier",
    "Rouvière",
    "Pujol",
    "Granier",
    "Salles",
]
BUSINESSES = [
    ("Hôtel Les Flamants Roses", "SAS"),
    ("Camping Le Mas des Oliviers", "SARL"),
    ("Résidence Les Terrasses du Lez", "Syndicat de copropriété"),
    ("SCI Les Pins Parasols", "SCI"),
    ("Domaine de la Garrigue", "SAS"),
    ("Thalasso Palavas Bien-Être", "SA"),
    ("Gîtes du Pic Saint-Loup", "EURL"),
    ("Club Aquatique Lattois", "Association"),
    ("Villa Maguelone Séminaires", "SASU"),
    ("Résidence Le Grand Bleu", "Syndicat de copropriété"),
    ("Mas de Font Caude", "SARL"),
    ("Hôtel du Golfe d'Aigues-Mortes", "SAS"),
    ("Fitness Club Odysseum", "SAS"),
    ("Camping Les Sables d'Or", "SARL"),
    ("SCI Domaine des Cigales", "SCI"),
]
POOL_EQUIPMENT = [
    ("pompe", "Pentair", "SuperFlo VS"),
    ("filtre", "Hayward", "ProSeries S244T"),
    ("électrolyseur", "Zodiac", "TRi 18"),
    ("pompe à chaleur", "Poolex", "Jetline Selection 95"),
    ("robot", "Dolphin", "S300i"),
    ("régulateur pH", "Bayrol", "PoolManager"),
]
SPA_EQUIPMENT = [("spa", "Jacuzzi", "J-335"), ("traitement", "Bayrol", "Spa Time")]
SUMMER = validation.SeasonDraft("Été", "06-01", "09-30", "FREQ=WEEKLY;BYDAY={day}")
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
DEMO_CODE = "D{:04d}"


def _siren(rng: random.Random) -> str:
    """A random SIREN whose Luhn key is right."""
    body = f"{rng.randint(30_000_000, 99_999_999):08d}"
    return next(body + str(k) for k in range(10) if identifiers.luhn_valid(body + str(k)))


def _siret(rng: random.Random, siren: str) -> str:
    body = f"{siren}{rng.randint(1, 99):04d}"
    return next(body + str(k) for k in range(10) if identifiers.luhn_valid(body + str(k)))


async def seed_demo_data(service: ContratService, *, customers: int = 50, seed: int = 34) -> int:
    """Creates the demo data; returns the number of customers created (0 when present)."""
    token = principal_var.set(Principal(subject="seed-demo", roles=frozenset({"admin"})))
    try:
        existing = await service.parties.list_customers(DEMO_CODE.format(1), None, True, 1, "")
        if existing.items:
            return 0
        rng = random.Random(seed)
        today = service.clock.today()
        for number in range(1, customers + 1):
            await _seed_customer(service, rng, number, today)
        return customers
    finally:
        principal_var.reset(token)


async def _seed_customer(
    service: ContratService, rng: random.Random, number: int, today: date
) -> None:
    business = number % 3 == 0
    city, postal_code, latitude, longitude = rng.choice(CITIES)
    street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
    address = Address((street,), postal_code, city, "FR")
    if business:
        name, legal_form = BUSINESSES[(number // 3 - 1) % len(BUSINESSES)]
        siren = _siren(rng)
        contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        domain = name.lower().replace(" ", "-").replace("'", "")
        domain = "".join(c for c in domain if c.isascii())[:30]
        customer = await service.parties.create_customer(
            validation.CustomerDraft(
                type=CustomerType.BUSINESS,
                name=name,
                legal_form=legal_form,
                siren=siren,
                siret=_siret(rng, siren),
                vat_number=identifiers.french_vat_number(siren),
                billing_address=address,
                billing_contact_name=contact,
                billing_email=f"compta@{domain}.fr",
                phone=f"04 67 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                code=DEMO_CODE.format(number),
            )
        )
    else:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # "Aurélie" -> "aurelie": drop the accents, keep the letters.
        decomposed = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
        email_name = "".join(c for c in decomposed if c.isascii() and c != " ")
        customer = await service.parties.create_customer(
            validation.CustomerDraft(
                type=CustomerType.PRIVATE,
                name=f"{first} {last}",
                billing_address=address,
                billing_contact_name=f"{first} {last}",
                billing_email=f"{email_name}{number}@example.fr",
                phone="06 " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4)),
                code=DEMO_CODE.format(number),
            )
        )
    site = await service.parties.create_site(
        str(customer.id),
        validation.SiteDraft(
            name=customer.name if business else f"Villa {customer.name.split()[-1]}",
            address=address,
            latitude=round(latitude + rng.uniform(-0.02, 0.02), 5),
            longitude=round(longitude + rng.uniform(-0.02, 0.02), 5),
            access_notes=rng.choice(
                [
                    "Sonner au portail, chien dans le jardin.",
                    "Clé dans la boîte à clés à gauche du portail.",
                    "Accès par le parking visiteurs, badge à l'accueil.",
                    "Local technique derrière le pool house.",
                ]
            ),
            gate_code=f"{rng.randint(1000, 9999)}B" if rng.random() < 0.6 else "",
        ),
    )
    volume = (
        rng.choice([32.0, 40.0, 48.0, 56.0, 60.0, 75.0])
        if not business
        else rng.choice([120.0, 180.0, 250.0])
    )
    await service.parties.create_installation(
        str(site.id),
        validation.InstallationDraft(
            type=InstallationType.POOL,
            name="Piscine principale" if business else "Piscine",
            volume_m3=volume,
            equipment=[
                Equipment(kind, brand, model, f"{brand[:3].upper()}{rng.randint(100000, 999999)}")
                for kind, brand, model in rng.sample(POOL_EQUIPMENT, 3)
            ],
            notes=rng.choice(
                ["Liner bleu clair.", "Traitement au sel.", "Volet roulant immergé.", ""]
            ),
        ),
    )
    has_spa = business and rng.random() < 0.5
    if has_spa:
        await service.parties.create_installation(
            str(site.id),
            validation.InstallationDraft(
                type=InstallationType.SPA,
                name="Spa",
                volume_m3=1.5,
                equipment=[
                    Equipment(k, b, m, f"SPA{rng.randint(10000, 99999)}")
                    for k, b, m in SPA_EQUIPMENT
                ],
            ),
        )
    await _seed_contract(service, rng, customer.id, site.id, business, has_spa, number, today)


async def _seed_contract(
    service: ContratService,
    rng: random.Random,
    customer_id: object,
    site_id: object,
    business: bool,
    has_spa: bool,
    number: int,
    today: date,
) -> None:
    # Private contracts: yearly terms with tacit renewal, some ending soon (renewal notices).
    months_ago = rng.randint(1, 30) if number % 5 else 10
    start = (today - relativedelta(months=months_ago)).replace(day=1)
    end = start + relativedelta(years=1) - timedelta(days=1)
    while end < today:
        end = end + relativedelta(years=1)
    visit_day = rng.choice(WEEKDAYS)
    pool_price = (
        rng.choice([8900, 9900, 11900, 14900])
        if not business
        else rng.choice([34900, 45000, 59000])
    )
    lines = [
        validation.LineDraft(
            product_code="ENT-PISC",
            label="Entretien piscine, forfait" + (" mensuel" if not business else " trimestriel"),
            quantity="1",
            unit_price_cents=pool_price if not business else pool_price * 3,
            vat_rate="20",
            site_id=str(site_id),
        ),
        validation.LineDraft(
            product_code="ANA-EAU",
            label="Analyse d'eau complète",
            quantity="1" if not business else "3",
            unit_price_cents=1500,
            vat_rate="20",
        ),
    ]
    plans = [
        validation.PlanDraft(
            site_id=str(site_id),
            label="Entretien piscine",
            description=(
                "Nettoyage ligne d'eau et skimmers, contrôle filtration, "
                "analyse pH/chlore, ajustement."
            ),
            rrule="FREQ=MONTHLY;BYDAY=1" + visit_day,
            seasons=[
                validation.SeasonDraft(
                    SUMMER.name,
                    SUMMER.start_month_day,
                    SUMMER.end_month_day,
                    SUMMER.rrule.format(day=visit_day),
                ),
                # Spring and autumn on the plan's monthly rule; no visit while winterised.
                validation.SeasonDraft("Printemps", "03-01", "05-31", ""),
                validation.SeasonDraft("Automne", "10-01", "11-30", ""),
            ],
            window_start=rng.choice(["08:00", "09:00", "13:30"]),
            window_end=rng.choice(["12:00", "17:00"]) if not business else "11:00",
            duration_minutes=rng.choice([45, 60, 90]),
            required_skill="piscine",
            next_from_completion=not business and rng.random() < 0.3,
        )
    ]
    if plans[0].window_start >= plans[0].window_end:
        plans[0].window_start = "08:00"
    if has_spa:
        lines.append(
            validation.LineDraft(
                product_code="ENT-SPA",
                label="Entretien spa",
                quantity="1",
                unit_price_cents=24000,
                vat_rate="20",
                site_id=str(site_id),
            )
        )
        plans.append(
            validation.PlanDraft(
                site_id=str(site_id),
                label="Entretien spa",
                description="Vidange partielle, filtres, désinfection.",
                rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=" + visit_day,
                window_start="08:00",
                window_end="10:00",
                duration_minutes=45,
                required_skill="spa",
            )
        )
    draft = validation.ContractDraft(
        customer_id=str(customer_id),
        site_ids=[str(site_id)],
        lines=lines,
        frequency=Frequency.MONTHLY if not business else Frequency.QUARTERLY,
        timing=Timing.IN_ADVANCE if not business else Timing.IN_ARREARS,
        payment_days=0 if not business else 30,
        payment_end_of_month=False,
        start_date=start,
        end_date=end,
        tacit_renewal=True,
        renewal_term_months=12,
        notice_period_days=30 if not business else 90,
        indexation=validation.IndexationDraft(
            method=IndexationMethod.PERCENTAGE if not business else IndexationMethod.INDEX,
            percentage="2.5",
            index_name="ICHTrev-TS",
            base_index_value="131.2",
        ),
        sla_hours=48 if not business else 8,
        plans=plans,
    )
    contract = await service.contracts.create_contract(draft)
    await service.contracts.activate_contract(str(contract.id))
