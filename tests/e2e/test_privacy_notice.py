"""The privacy notice names the controller and where to exercise rights (GDPR Art. 13(1)(a))."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ats.web.app import create_app


async def _page(container: Any, **settings: str) -> str:
    container.settings = container.settings.model_copy(update=settings)
    transport = httpx.ASGITransport(app=create_app(container))  # the fixture ran the start-up
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.get("/privacy")
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_notice_shows_the_configured_controller_and_contact(container: Any) -> None:
    text = await _page(container, ats_controller_name="Acme <Recruiting> Ltd", ats_privacy_contact="dpo@acme.example")
    assert "Acme &lt;Recruiting&gt; Ltd is the controller of your data" in text
    assert '<a href="mailto:dpo@acme.example">dpo@acme.example</a>' in text
    assert "no privacy contact configured" not in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_notice_links_an_https_contact(container: Any) -> None:
    text = await _page(container, ats_privacy_contact="https://acme.example/privacy")
    assert '<a href="https://acme.example/privacy">https://acme.example/privacy</a>' in text
    assert "The employer advertising this position is the controller" in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_notice_without_a_contact_says_the_instance_is_not_for_real_applicants(container: Any) -> None:
    text = await _page(container)
    assert "no privacy contact configured (ATS_PRIVACY_CONTACT)" in text
