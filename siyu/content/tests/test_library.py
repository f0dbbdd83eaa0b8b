from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.content.library import MaterialError, MaterialInput, save_material
from siyu.content.models import MaterialKind
from siyu.content.scope import usable_materials
from siyu.content.tests.factories import make_material
from siyu.core.models import Role
from siyu.demo.brand import JINGAN, Brand

pytestmark = pytest.mark.django_db


def test_an_edit_that_changes_the_text_is_a_new_version_and_keeps_the_old_one() -> None:
    m = make_material()
    edited = save_material(
        MaterialInput(title=m.title, kind=m.kind, url=m.url, text="新版本"), material=m
    )
    assert edited.version == 2
    assert [v.snapshot["text"] for v in edited.versions.order_by("number")] == [m.text, "新版本"]


def test_an_edit_of_only_scope_or_tags_is_not_a_new_version() -> None:
    m = make_material()
    data = MaterialInput(title=m.title, kind=m.kind, url=m.url, text=m.text, tags=("咖啡",))
    assert save_material(data, material=m).version == 1
    assert list(m.tags.values_list("name", flat=True)) == ["咖啡"]


def test_an_article_without_its_url_is_refused() -> None:
    with pytest.raises(MaterialError):
        save_material(MaterialInput(title="x", kind=MaterialKind.ARTICLE))


def test_usable_materials_follow_role_org_unit_and_validity(brand: Brand) -> None:
    now = timezone.now()
    everyone = make_material("通用")
    sales_only = make_material("导购专用", roles=(Role.SALES,))
    jingan = make_material("静安专用", org_unit_ids=(brand.stores[JINGAN].pk,))
    region = make_material("华东专用", org_unit_ids=(brand.regions["华东区"].pk,))
    elsewhere = make_material("北京专用", org_unit_ids=(brand.regions["华北区"].pk,))
    expired = make_material("过期", valid_until=now - timedelta(days=1), valid_from=None)
    future = make_material("未开始", valid_from=now + timedelta(days=1))
    chen = brand.chen_jing  # sales at 静安
    got = set(usable_materials(chen).values_list("pk", flat=True))
    assert {everyone.pk, sales_only.pk, jingan.pk, region.pk} <= got
    assert not {elsewhere.pk, expired.pk, future.pk} & got
    assert sales_only.pk not in set(usable_materials(brand.wang_qiang).values_list("pk", flat=True))
