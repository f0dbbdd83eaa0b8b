"""Sales staff see only customers they follow; store managers only their store's."""

from __future__ import annotations

import pytest

from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.customers.scope import visible_customers
from siyu.customers.tests.factories import make_customer
from siyu.demo.brand import Brand


@pytest.mark.django_db
def test_each_role_sees_only_its_customers(brand: Brand) -> None:
    mine = make_customer("oMine")
    follow_customer(mine, brand.chen_jing, primary=True)
    colleague = (
        brand.staff["sales01"]
        if brand.staff["sales01"].org_unit != brand.chen_jing.org_unit
        else brand.staff["sales02"]
    )
    elsewhere = make_customer("oElse")
    follow_customer(elsewhere, colleague, primary=True)
    jingan_unowned = make_customer("oJingan", org_unit=brand.stores["上海静安店"])

    def seen(username: str) -> set[int]:
        return set(visible_customers(brand.staff[username].user).values_list("pk", flat=True))

    assert seen("chen.jing") == {mine.pk}
    assert seen("wang.qiang") == {mine.pk, jingan_unowned.pk}
    assert seen("lin.yue") == {mine.pk, elsewhere.pk, jingan_unowned.pk}


@pytest.mark.django_db
def test_unfollowed_customer_disappears_from_the_sales_view(brand: Brand) -> None:
    c = make_customer("oA")
    follow_customer(c, brand.chen_jing)
    unfollow_customer(c, brand.chen_jing)
    assert not visible_customers(brand.chen_jing.user).exists()


@pytest.mark.django_db
def test_anonymous_and_inactive_staff_see_nothing(brand: Brand) -> None:
    from django.contrib.auth.models import AnonymousUser

    make_customer("oA")
    assert not visible_customers(AnonymousUser()).exists()
    brand.lin_yue.is_active = False
    brand.lin_yue.save()
    assert not visible_customers(brand.lin_yue.user).exists()


@pytest.mark.django_db
def test_store_follows_the_next_owner_when_the_primary_owner_leaves(brand: Brand) -> None:
    c = make_customer("oLeave")
    follow_customer(c, brand.chen_jing, primary=True)
    xuhui = brand.staff["sales02"]
    follow_customer(c, xuhui)
    c.refresh_from_db()
    assert c.org_unit == brand.chen_jing.org_unit
    unfollow_customer(c, brand.chen_jing)
    c.refresh_from_db()
    assert (c.primary_owner, c.org_unit) == (xuhui, xuhui.org_unit)
    unfollow_customer(c, xuhui)
    c.refresh_from_db()
    # Nobody follows any more: the customer stays with the last store, for a win-back.
    assert (c.primary_owner, c.org_unit) == (None, xuhui.org_unit)


@pytest.mark.django_db
def test_owner_filter_choices_follow_the_role(brand: Brand) -> None:
    from siyu.console.queries import owner_choices

    def names(username: str) -> set[str]:
        return {s.user.username for s in owner_choices(brand.staff[username].user)}

    assert names("chen.jing") == {"chen.jing"}
    assert names("wang.qiang") == {"wang.qiang", "chen.jing", "sales01"}
    assert len(names("lin.yue")) == len(brand.staff)
