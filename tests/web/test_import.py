"""The import screen in a real browser on the real local stack: a CSV with one bad row is
checked (the French error shown with its row and column, the annotated file downloaded), then
the fixed file is imported and its customers appear in the customers list."""

from __future__ import annotations

import uuid

from browser_steps import login, settled
from conftest import People, screenshot
from playwright.sync_api import BrowserContext, expect

HEADER = (
    "Référence client;Nom;Adresse;Code postal;Ville;E-mail;Site;Type d'installation;Volume (m³)"
)


def _file(tag: str, bad_postcode: bool) -> bytes:
    postcode = "3420" if bad_postcode else "34200"
    lines = [
        HEADER,
        f"{tag}-1;{tag} Lefèvre;5 rue du Port;34200;Sète;lefevre@{tag.lower()}.fr;Villa;piscine;40",
        f"{tag}-2;{tag} Navarro;8 quai d'Alger;{postcode};Sète;navarro@{tag.lower()}.fr;;;",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_import_checks_a_file_shows_errors_then_imports(
    desktop: BrowserContext, people: People
) -> None:
    tag = f"Imp{uuid.uuid4().hex[:5]}"
    page = desktop.new_page()
    login(page, people.office)
    page.goto("/import")
    settled(page)

    upload = page.get_by_test_id("import-file")
    upload.set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": _file(tag, True)}]
    )
    page.get_by_test_id("import-check").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Erreurs à corriger")
    errors = page.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td")).to_have_text(
        ["3", "Code postal", "un code postal français a 5 chiffres"]
    )
    expect(page.get_by_test_id("import-start")).to_have_count(0)  # all or nothing: no import
    screenshot(page, "60-import-errors")

    with page.expect_download() as download_info:
        page.get_by_test_id("import-download").click()
    annotated = download_info.value
    assert annotated.suggested_filename == "clients-erreurs.csv"
    text = open(annotated.path(), encoding="utf-8-sig").read()
    assert "Erreurs" in text.splitlines()[0]
    assert "Code postal : un code postal français a 5 chiffres" in text.splitlines()[2]

    upload.set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": _file(tag, False)}]
    )
    page.get_by_test_id("import-check").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Fichier valide")
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-finished")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("import-done")).to_have_text("2")
    screenshot(page, "61-import-done")

    page.get_by_role("link", name="Voir les clients").click()
    settled(page)
    page.get_by_label("Rechercher").fill(tag)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(tag)
