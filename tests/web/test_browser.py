"""The web app in a real browser on the real local stack."""

from __future__ import annotations

import re

from conftest import People, screenshot
from local_stack import ApiUser
from playwright.sync_api import BrowserContext, Page, expect


def login(page: Page, user: ApiUser) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(user.password)
    page.get_by_role("button", name="Se connecter").click()
    if user.totp_secret:
        expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible()
        page.get_by_label("Code de vérification").fill(user.next_totp_code())
        page.get_by_role("button", name="Valider").click()


def test_office_login_with_second_factor_role_navigation_and_logout(
    desktop: BrowserContext, people: People
) -> None:
    page = desktop.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    screenshot(page, "01-login")

    # A wrong password is refused with the server's message; nothing else happens.
    page.get_by_label("Adresse e-mail").fill(people.office.email)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("E-mail ou mot de passe incorrect")

    # A wrong second-factor code is refused too.
    page.get_by_label("Mot de passe").fill(people.office.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert")).to_contain_text("Code incorrect")
    screenshot(page, "02-login-second-factor")
    page.get_by_label("Code de vérification").fill(people.office.next_totp_code())
    page.get_by_role("button", name="Valider").click()

    expect(page).to_have_url(re.compile(r"/tableau-de-bord$"))
    expect(page.get_by_role("heading", name=re.compile("Bonjour Claire"))).to_be_visible()
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Clients")).to_be_visible()
    expect(navigation.get_by_role("link", name="Planning")).to_be_visible()
    # Office staff who are not administrators do not see user administration.
    expect(navigation.get_by_text("Utilisateurs")).to_have_count(0)
    screenshot(page, "03-dashboard")

    # An address they may not open sends them home.
    page.goto("/utilisateurs")
    expect(page).to_have_url(re.compile(r"/tableau-de-bord$"))

    page.get_by_role("button", name="Déconnexion").click()
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/connexion\?redirect=/clients"))
