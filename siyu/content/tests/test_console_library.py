"""The library pages in the console: list with filters, the editor, variants, scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from siyu.console.tests.factories import login
from siyu.content.models import Material, MaterialKind
from siyu.content.tests.factories import make_material
from siyu.core.models import Role
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def test_hq_creates_a_material_with_scope_tags_and_a_folder(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    r = client.post(
        "/content/new/",
        {
            "title": "手冲入门",
            "kind": MaterialKind.ARTICLE,
            "url": "https://brand.example.com/a",
            "text": "{name} 您好",
            "folder": "咖啡知识",
            "tags": "手冲, 新手",
            "roles": [Role.SALES],
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    m = Material.objects.get()
    assert m.folder is not None
    assert (m.folder.name, m.roles, m.version) == ("咖啡知识", ",sales,", 1)
    assert sorted(m.tags.values_list("name", flat=True)) == ["手冲", "新手"]
    page = client.get(f"/content/{m.pk}/")
    assert page.status_code == 200
    assert "手冲, 新手" in page.content.decode()


def test_an_article_without_url_is_a_form_error_not_a_500(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    r = client.post("/content/new/", {"title": "x", "kind": MaterialKind.ARTICLE})
    assert r.status_code == 200
    assert Material.objects.count() == 0


def test_list_filters_by_search_tag_folder_and_kind(client: Client, brand: Brand) -> None:
    make_material("手冲入门", tags=("手冲",), folder="咖啡知识")
    make_material("新品海报", kind=MaterialKind.POSTER, url="", media_key="poster.png", text="上新")
    login(client, brand.lin_yue)

    def titles(q: dict[str, str]) -> list[str]:
        return [m.title for m in client.get("/content/", q).context["materials"]]

    assert titles({"q": "手冲"}) == ["手冲入门"]
    assert titles({"kind": "poster"}) == ["新品海报"]
    assert titles({"q": "不存在"}) == []
    assert client.get("/content/", {"folder": "abc"}).status_code == 400
    assert client.get("/content/", {"tag": str(2**70)}).status_code == 400


def test_sales_see_only_what_they_may_use_and_cannot_edit(client: Client, brand: Brand) -> None:
    make_material("店长专用", roles=(Role.STORE_MANAGER,))
    make_material("通用")
    login(client, brand.chen_jing)
    page = client.get("/content/")
    assert [m.title for m in page.context["materials"]] == ["通用"]
    assert client.get("/content/new/").status_code == 403


def test_variants_are_added_from_the_editor(client: Client, brand: Brand) -> None:
    m = make_material()
    login(client, brand.lin_yue)
    r = client.post(f"/content/{m.pk}/variants/", {"name": "B", "text": "B 版", "weight": 2})
    assert r.status_code == 302
    assert list(m.variants.values_list("name", "weight")) == [("B", 2)]


def test_the_list_reads_a_fixed_number_of_queries(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    make_material("一")
    client.get("/content/")
    with CaptureQueriesContext(connection) as few:
        client.get("/content/")
    for i in range(10):
        make_material(f"素材{i}", tags=(f"t{i}",), folder=f"f{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/content/")
    assert len(many) == len(few)
