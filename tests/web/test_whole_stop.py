"""A whole pool stop on a phone, in a real browser on the real local stack, with the network
coming and going: the technician starts the visit, loses the network, takes the "before" photo
and types the report's readings; the water test and the checklist say they need the network;
back in coverage, the water test gives the flags and the dose advice, the doses are accepted and
the checklist ticked; offline again, the "after" photo, both signatures and the completion wait
on the phone; when the network returns, everything arrives on the server exactly once."""

from __future__ import annotations

import uuid
from typing import Any

from browser_steps import login, wait_until
from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, expect
from test_browser import sign, visit_for_technician_today
from test_photos import camera_picture

OFFLINE_WATER = "Hors ligne : l\u2019analyse de l\u2019eau demande le réseau."


def take_photo(page: Page, kind: str, colour: tuple[int, int, int]) -> None:
    page.locator(f'[data-photo-input="{kind}"]').set_input_files(
        {"name": f"{kind}.jpg", "mimeType": "image/jpeg", "buffer": camera_picture(colour)}
    )


def test_technician_does_a_whole_stop_offline_then_online(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    suffix = uuid.uuid4().hex[:4].upper()
    # Each browser test has its own hour in the shared technician's day (no overlap refused).
    visit = visit_for_technician_today(people, admin, "13:00")
    visit_id, site_id = visit["id"], visit["site"]["site_id"]
    installation = admin.post(
        f"/sites/{site_id}/installations",
        {"type": "pool", "name": "Piscine", "volume_m3": 50},
    )
    ph_minus = admin.post(
        "/stock/products",
        {
            "code": f"PHM-{suffix}",
            "label": f"pH moins {suffix}",
            "family": "chemical",
            "unit_of_sale": "kg",
            "dosing_role": "ph_down",
            # The advice takes the strongest product of the role: other tests' pH-minus is 95 %.
            "strength_percent": "96",
            "standard_price_cents": 450,
        },
    )
    admin.request(
        "PUT",
        "/checklist-templates/weekly",
        json={"items": [{"key": "filtre", "label": "Filtre contrôlé", "required": True}]},
    )
    try:
        try:
            page = phone.new_page()
            login(page, people.technician)
            page.goto(f"/tech/visite/{visit_id}")
            page.get_by_role("button", name="Démarrer l'intervention").click()
            expect(page.get_by_test_id("checklist")).to_contain_text("Filtre contrôlé")

            # -- no network: photo and report readings stay on the phone ------------------------
            phone.set_offline(True)
            expect(page.get_by_test_id("network-state")).to_have_text("Hors ligne")
            photos = page.get_by_test_id("photos")
            take_photo(page, "before", (20, 110, 190))
            waiting = photos.locator('[data-testid="photo-thumbnail"][data-photo-state="waiting"]')
            expect(waiting).to_have_count(1)
            page.get_by_role("textbox", name="pH", exact=True).fill("7,8")
            page.get_by_role("textbox", name="Chlore libre").fill("1,2")
            page.get_by_role("textbox", name="TAC").fill("100")
            page.get_by_role("textbox", name="Température").fill("26")
            # The water test and the checklist are served by the server: they say so offline.
            page.get_by_test_id("water-open").click()
            expect(page.get_by_test_id("water-test")).to_contain_text(OFFLINE_WATER)
            page.locator('[data-check="filtre"]').check()
            page.get_by_test_id("checklist-save").click()
            # Not saved, and the technician is told so.
            expect(page.get_by_test_id("checklist-error")).to_contain_text(
                "Hors ligne : la check-list n\u2019est pas enregistrée"
            )
            expect(page.get_by_test_id("checklist")).not_to_contain_text("Enregistrée")
            assert people.office.get(f"/interventions/{visit_id}/photos")["items"] == []

            # -- coverage: the waiting photo leaves; water test, advice, doses, checklist ---------
            phone.set_offline(False)
            expect(page.get_by_test_id("network-state")).not_to_have_text("Hors ligne")
            sent = photos.locator('[data-testid="photo-thumbnail"][data-photo-state="sent"]')
            expect(sent).to_have_count(1, timeout=30_000)
            page.get_by_test_id("water-open").click()
            expect(page.get_by_test_id("water-test")).not_to_contain_text(OFFLINE_WATER)
            page.get_by_role("textbox", name="Analyse : pH").fill("7,8")
            page.get_by_role("textbox", name="Analyse : TAC (mg/L CaCO₃)").fill("100")
            page.get_by_role("textbox", name="Analyse : Dureté calcique (mg/L CaCO₃)").fill("250")
            page.get_by_role("textbox", name="Analyse : Température (°C)").fill("26")
            page.get_by_test_id("water-analyse").click()
            expect(page.locator('[data-reading="ph"]')).to_contain_text("au-dessus de la cible")
            expect(page.get_by_test_id("water-balance")).to_contain_text("indice de Langelier")
            # 50 m³, pH 7.8 -> 7.4 at TA 100: 50 * 0.4 * 100 / 0.96 = 2083.33 g.
            advice = page.locator('[data-advice="ph_down"]')
            expect(advice.get_by_role("textbox")).to_have_value("2.08")
            page.get_by_test_id("water-apply").click()
            expect(page.get_by_test_id("water-applied")).to_contain_text("Doses enregistrées (1)")
            page.get_by_test_id("checklist-save").click()
            expect(page.get_by_test_id("checklist")).to_contain_text("Enregistrée")
            expect(page.get_by_test_id("checklist-error")).to_have_count(0)

            # -- no network again: after photo, signatures, completion wait on the phone ----------
            phone.set_offline(True)
            expect(page.get_by_test_id("network-state")).to_have_text("Hors ligne")
            take_photo(page, "after", (200, 90, 20))
            expect(waiting).to_have_count(1)
            sign(page)
            page.get_by_role("button", name="Terminer l'intervention").click()
            expect(page.get_by_test_id("queued-notice")).to_be_visible()
            screenshot(page, "23-technician-whole-stop-queued", full_page=False)
            assert people.office.get(f"/interventions/{visit_id}")["status"] == "in_progress"
        finally:
            phone.set_offline(False)

        expect(page.get_by_test_id("completed-notice")).to_be_visible(timeout=60_000)

        def both_photos() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = people.office.get(f"/interventions/{visit_id}/photos")[
                "items"
            ]
            return items if len(items) >= 2 else None

        photos_on_server = wait_until(both_photos, timeout=60)
        assert sorted((p["kind"], p["width"]) for p in photos_on_server) == [
            ("after", 1600),
            ("before", 1600),
        ]
        done = people.office.get(f"/interventions/{visit_id}")
        assert done["status"] == "completed"
        report = done["report"]
        measured = report["measurements"]
        assert (measured["ph"], measured["free_chlorine_mg_l"], measured["tac_mg_l"]) == (
            7.8,
            1.2,
            100,
        )
        # The accepted dose is the report's one catalogue part, once.
        assert [(p["product_id"], p["quantity"]) for p in report["parts"]] == [
            (ph_minus["id"], "2.08")
        ]
        assert report["customer_signature"]["signer_name"] == "Sophie Bernard"
        assert report["technician_signature"]["signer_name"] == people.technician_name
        water = people.office.get(f"/interventions/{visit_id}/water-tests/{installation['id']}")
        assert sorted(r["parameter"] for r in water["readings"]) == [
            "calcium_hardness",
            "ph",
            "temperature",
            "total_alkalinity",
        ]
        assert [(a["product_id"], a["quantity"]) for a in water["applied"]] == [
            (ph_minus["id"], "2.08")
        ]
        checklist = people.office.get(f"/interventions/{visit_id}/checklist")
        assert [(s["key"], s["checked"]) for s in checklist["states"]] == [("filtre", True)]

        # One completion event: the workflows it triggers ran for one event id.
        def completion_runs() -> list[dict[str, Any]]:
            runs = people.office.get(
                "/workflows/runs", aggregate_type="intervention", aggregate_id=visit_id
            )
            return [
                r
                for r in runs["items"]
                if r.get("event_type") == "intervention.intervention.completed"
            ]

        runs = wait_until(completion_runs, timeout=60)
        assert len({r["event_id"] for r in runs}) == 1, runs
    finally:
        # The other browser tests complete visits: no required item is left behind.
        cleared = admin.request("PUT", "/checklist-templates/weekly", json={"items": []})
        assert cleared.status_code == 200, cleared.text
