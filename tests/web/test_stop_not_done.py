"""A stop that could not be done, on a phone in a real browser on the real local stack: the
technician taps "Passage impossible", picks "Portail fermé" with a note, and the visit shows the
reason and the day it is carried over to; the office sees the visit not done and its follow-up
on the technician's next working day."""

from __future__ import annotations

from browser_steps import login
from conftest import People
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, expect
from test_browser import visit_for_technician_today


def test_technician_reports_a_closed_gate(
    phone: BrowserContext, people: People, admin: ApiUser
) -> None:
    # Each browser test has its own hour in the shared technician's day (no overlap refused).
    visit = visit_for_technician_today(people, admin, "12:00")
    visit_id = visit["id"]
    page = phone.new_page()
    login(page, people.technician)
    page.goto(f"/tech/visite/{visit_id}")

    page.get_by_test_id("stop-not-done-open").click()
    page.get_by_test_id("stop-not-done-send").click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez la raison")
    page.get_by_label("Portail fermé").check()
    page.get_by_test_id("stop-not-done-note").fill("Portail fermé, pas de réponse à l'interphone")
    page.get_by_test_id("stop-not-done-send").click()

    notice = page.get_by_test_id("stop-not-done-notice")
    expect(notice).to_contain_text("Portail fermé : Portail fermé, pas de réponse")
    expect(notice).to_contain_text("Reportée au")
    expect(page.get_by_test_id("visit-status")).to_contain_text("Passage impossible")

    assert people.office.get(f"/interventions/{visit_id}")["status"] == "not_done"
    stop = people.office.get(f"/interventions/{visit_id}/not-done")
    assert stop["reason"] == "closed_gate"
    assert stop["follow_up"] == "carried_over"
    follow = stop["follow_up_visit"]
    assert follow["status"] == "scheduled"
    assert follow["technician_id"] == people.technician_id
    assert follow["planned_date"] > visit["planned_date"]
