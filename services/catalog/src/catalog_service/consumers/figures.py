"""The ``catalog`` consumer: translates events into ``service.figures`` effects.

One durable consumer for every subject (the bus makes one per publishing stream), so the
catalog's replicas share the work and each event is applied by one of them, once. The
events in work at once share one transaction (a group commit, ``consume_once(batch=...)``):
the figures' updates are relative (``+ 1``) or keep the newest (ratings), so several events
about one product in one transaction add up as they would one by one.
"""

from __future__ import annotations

from catalog_service.adapters.unit_of_work import UnitOfWorkFactory
from catalog_service.service import figures
from marketplace_contracts import Envelope, OrderPaid, ProductRatingChanged, ProductViewsCounted
from marketplace_platform.events.bus import EventBus
from marketplace_platform.events.inbox import Effect, consume_once

CONSUMER = "catalog"
SUBJECTS = (ProductRatingChanged.TYPE, OrderPaid.TYPE, ProductViewsCounted.TYPE)


def effect_of(envelope: Envelope) -> Effect | None:
    """What the event does to the catalog; None for an event it does not know."""
    if envelope.type == ProductRatingChanged.TYPE:
        rating = envelope.parse(ProductRatingChanged)
        return lambda uow: figures.record_rating(uow, event=rating, as_of=envelope.time)
    if envelope.type == OrderPaid.TYPE:
        order = envelope.parse(OrderPaid)
        return lambda uow: figures.record_order(uow, event=order)
    if envelope.type == ProductViewsCounted.TYPE:
        views = envelope.parse(ProductViewsCounted)
        return lambda uow: figures.record_views(uow, event=views)
    return None


def register(bus: EventBus, unit_of_work: UnitOfWorkFactory, *, batch: int) -> None:
    """``batch``: how many events in work at once share a transaction."""
    consume_once(
        bus, CONSUMER, SUBJECTS, unit_of_work=unit_of_work, effect_of=effect_of, batch=batch
    )
