"""The admin's product use cases on a fake unit of work: the changes and the events the
product records, committed with them."""

import uuid

import pytest

from catalog_service.adapters.orm import Category
from catalog_service.domain.errors import ProductNotFound, UnknownCategory
from catalog_service.domain.products import Kind
from catalog_service.service import products
from marketplace_contracts import (
    ProductArchived,
    ProductCreated,
    ProductPriceChanged,
    ProductUpdated,
    StockChanged,
)
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def category(uow) -> uuid.UUID:
    category_id = uuid.uuid4()
    uow.categories.rows[category_id] = Category(id=category_id, name="Phones")
    return category_id


async def test_archiving_records_the_change_and_the_archive(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)

    archived = await products.archive(unit_of_work=unit_of_work, product_id=phone.id)

    assert archived.status == "archived"
    assert uow.event_types == [ProductUpdated.TYPE, ProductArchived.TYPE]
    assert uow.events(ProductUpdated)[0].changed == ["status"]
    assert uow.events(ProductArchived)[0].product_id == phone.id


async def test_archiving_twice_changes_nothing_the_second_time(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10)
    await products.archive(unit_of_work=unit_of_work, product_id=phone.id)

    await products.archive(unit_of_work=unit_of_work, product_id=phone.id)

    assert uow.event_types == [ProductUpdated.TYPE, ProductArchived.TYPE]


async def test_archiving_an_unknown_product_is_not_found(uow, unit_of_work) -> None:
    with pytest.raises(ProductNotFound):
        await products.archive(unit_of_work=unit_of_work, product_id=uuid.uuid4())
    assert uow.committed == []


async def test_a_price_and_stock_change_records_their_own_events(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10, price=1000)

    await products.update(
        unit_of_work=unit_of_work, product_id=phone.id, changes={"price": 1500, "stock": 4}
    )

    assert (phone.price, phone.stock) == (1500, 4)
    assert uow.events(ProductUpdated)[0].changed == ["price", "stock"]
    price = uow.events(ProductPriceChanged)[0]
    assert (price.old_price, price.new_price) == (1000, 1500)
    stock = uow.events(StockChanged)[0]
    assert (stock.stock, stock.delta, stock.reason) == (4, -6, "adjusted")


async def test_an_invalid_change_changes_nothing(uow, unit_of_work) -> None:
    phone = uow.stocked(stock=10, price=1000)

    with pytest.raises(InvalidInput):
        await products.update(unit_of_work=unit_of_work, product_id=phone.id, changes={"stock": -1})

    assert phone.stock == 10
    assert uow.committed == []


async def test_creating_records_product_created(uow, unit_of_work) -> None:
    category_id = category(uow)

    product = await products.create(
        unit_of_work=unit_of_work,
        title="  Phone  ",
        price=1999,
        category_id=category_id,
        kind=Kind.PRODUCT,
    )

    assert uow.products.rows[product.id] is product
    created = uow.events(ProductCreated)
    assert [(e.product_id, e.title, e.stock) for e in created] == [(product.id, "Phone", 0)]


async def test_creating_in_an_unknown_category_stores_nothing(uow, unit_of_work) -> None:
    with pytest.raises(UnknownCategory):
        await products.create(
            unit_of_work=unit_of_work,
            title="Phone",
            price=1999,
            category_id=uuid.uuid4(),
            kind=Kind.PRODUCT,
        )
    assert uow.products.rows == {}
    assert uow.committed == []
