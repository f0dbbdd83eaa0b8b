"""The console's price rules page: HQ adds limited-time prices, add-ons and bundles that
checkout then applies; bad input is a form error, not a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.campaigns.models import Bundle, PriceWindow, WindowKind
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
URL = "/campaigns/pricing/"


def test_hq_adds_a_window_an_add_on_and_a_bundle_then_removes_one(
    client: Client, brand: Brand
) -> None:
    login(client, brand.lin_yue)
    window = {"action": "window", "w-kind": "limited", "w-sku": "BEAN-1KG", "w-price": "180",
              "w-starts_at": "2030-06-01T10:00", "w-ends_at": "2030-06-02T10:00"}  # fmt: skip
    assert client.post(URL, window).status_code == 302
    add_on = {**window, "w-kind": "add_on", "w-sku": "MUG", "w-price": "9.9", "w-threshold": "199"}
    assert client.post(URL, add_on).status_code == 302
    kit = {"action": "bundle", "b-name": "露营咖啡套装", "b-skus": "KETTLE，DRIPPER, BEAN-1KG",
           "b-price": "399"}  # fmt: skip
    assert client.post(URL, kit).status_code == 302
    limited = PriceWindow.objects.get(kind=WindowKind.LIMITED)
    assert (limited.price_fen, limited.starts_at.hour) == (18000, 2)  # 10:00 in Shanghai
    assert PriceWindow.objects.get(kind=WindowKind.ADD_ON).threshold_fen == 19900
    assert Bundle.objects.get().skus == ["KETTLE", "DRIPPER", "BEAN-1KG"]
    page = client.get(URL).content.decode()
    assert "露营咖啡套装" in page
    assert "¥9.90" in page
    client.post(URL, {"action": "remove_window", "pk": str(limited.pk)})
    assert not PriceWindow.objects.filter(pk=limited.pk).exists()


def test_bad_input_is_a_form_error_and_staff_outside_hq_cannot_write(
    client: Client, brand: Brand
) -> None:
    login(client, brand.lin_yue)
    bad = {"action": "window", "w-kind": "limited", "w-sku": "B", "w-price": "abc",
           "w-starts_at": "2030-06-02T10:00", "w-ends_at": "2030-06-01T10:00"}  # fmt: skip
    assert client.post(URL, bad).status_code == 200
    backwards = {**bad, "w-price": "10"}
    response = client.post(URL, backwards)
    assert response.status_code == 200
    assert response.context["window_form"].non_field_errors()
    lonely = {"action": "bundle", "b-name": "单品", "b-skus": "ONE", "b-price": "10"}
    assert client.post(URL, lonely).status_code == 200
    assert not PriceWindow.objects.exists()
    assert not Bundle.objects.exists()
    client.logout()
    login(client, brand.chen_jing)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {**bad, "w-price": "10"}).status_code == 403
