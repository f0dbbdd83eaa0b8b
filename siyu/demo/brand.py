"""The demo brand's organisation and its named staff: 山茶咖啡 (Camellia Coffee).

Tests use these personas too, so their usernames and places never change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from siyu.core.models import OrgKind, OrgUnit, Role, Staff
from siyu.core.org import create_org_unit, create_staff

BRAND_NAME = "山茶咖啡"
DEMO_PASSWORD = "siyu-demo"  # noqa: S105 - the demo's published login, not a secret

REGIONS: dict[str, list[str]] = {
    "华东区": ["上海静安店", "上海徐汇店", "杭州西湖店", "南京新街口店"],
    "华南区": ["深圳南山店", "广州天河店", "厦门思明店", "福州鼓楼店"],
    "华北区": ["北京朝阳店", "北京海淀店", "天津和平店", "青岛市南店"],
}
JINGAN = "上海静安店"

# (username, display name, role, org unit name or None for the brand, wecom userid)
NAMED_STAFF: list[tuple[str, str, Role, str | None, str]] = [
    ("lin.yue", "林悦", Role.ADMIN, None, "LinYue"),
    ("wang.qiang", "王强", Role.STORE_MANAGER, JINGAN, "WangQiang"),
    ("chen.jing", "陈静", Role.SALES, JINGAN, "ChenJing"),
]


@dataclass(frozen=True)
class Brand:
    brand: OrgUnit
    regions: dict[str, OrgUnit]
    stores: dict[str, OrgUnit]
    staff: dict[str, Staff]

    @property
    def lin_yue(self) -> Staff:
        return self.staff["lin.yue"]

    @property
    def wang_qiang(self) -> Staff:
        return self.staff["wang.qiang"]

    @property
    def chen_jing(self) -> Staff:
        return self.staff["chen.jing"]


@transaction.atomic
def build_brand(password: str = DEMO_PASSWORD, extra_staff: bool = True) -> Brand:
    """Create the org tree and staff (idempotent: returns the existing brand if built)."""
    existing = OrgUnit.objects.filter(kind=OrgKind.BRAND, name=BRAND_NAME).first()
    if existing is not None:
        return load_brand()
    brand = create_org_unit(BRAND_NAME, OrgKind.BRAND)
    regions: dict[str, OrgUnit] = {}
    stores: dict[str, OrgUnit] = {}
    for region_name, store_names in REGIONS.items():
        region = create_org_unit(region_name, OrgKind.REGION, brand)
        regions[region_name] = region
        for store_name in store_names:
            stores[store_name] = create_org_unit(store_name, OrgKind.STORE, region)
    staff: dict[str, Staff] = {}
    for username, name, role, unit_name, wecom in NAMED_STAFF:
        unit = stores[unit_name] if unit_name else brand
        staff[username] = create_staff(username, name, role, unit, None, wecom)
    if extra_staff:
        _add_extra_staff(brand, stores, staff, None)
    # Everyone shares the demo password: hash it once, not ~30 times (PBKDF2 is slow on
    # purpose, and `siyu demo` has to start in under a minute).
    hashed = make_password(password)
    get_user_model().objects.filter(pk__in=[s.user_id for s in staff.values()]).update(
        password=hashed
    )
    for member in staff.values():
        member.user.password = hashed  # keep in-memory users usable for force_login

    return Brand(brand, regions, stores, staff)


def _add_extra_staff(
    brand: OrgUnit, stores: dict[str, OrgUnit], staff: dict[str, Staff], password: str | None
) -> None:
    # HQ operators, a manager for every other store and one more sales rep per store: ~30.
    for i, name in enumerate(["周婷", "吴磊"], start=1):
        username = f"ops{i}"
        staff[username] = create_staff(username, name, Role.OPERATOR, brand, password, f"Ops{i}")
    for i, (store_name, store) in enumerate(stores.items(), start=1):
        if store_name != JINGAN:
            username = f"manager{i:02d}"
            staff[username] = create_staff(
                username, f"店长{i:02d}", Role.STORE_MANAGER, store, password, f"Mgr{i:02d}"
            )
        username = f"sales{i:02d}"
        staff[username] = create_staff(
            username, f"导购{i:02d}", Role.SALES, store, password, f"Sales{i:02d}"
        )


def load_brand() -> Brand:
    brand = OrgUnit.objects.get(kind=OrgKind.BRAND, name=BRAND_NAME)
    units = list(OrgUnit.objects.filter(path__startswith=brand.path))
    regions = {u.name: u for u in units if u.kind == OrgKind.REGION}
    stores = {u.name: u for u in units if u.kind == OrgKind.STORE}
    staff = {s.user.get_username(): s for s in Staff.objects.select_related("user", "org_unit")}
    return Brand(brand, regions, stores, staff)
