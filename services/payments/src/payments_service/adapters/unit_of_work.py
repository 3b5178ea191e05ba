"""``PaymentsUnitOfWork``: the single door to the payments database for one use case.

One transaction, with the repositories a use case needs hanging off it. At commit the
platform's ``UnitOfWork`` writes the events recorded by every payment the repositories loaded
or added to the outbox, commits, and then runs the after-commit actions. The runtime makes
one per transaction: ``runtime.unit_of_work(PaymentsUnitOfWork)``.
"""

from __future__ import annotations

from marketplace_platform.events.unit_of_work import UnitOfWork
from payments_service.adapters.repositories import CancelledOrderRepository, PaymentRepository


class PaymentsUnitOfWork(UnitOfWork):
    payments: PaymentRepository
    cancelled_orders: CancelledOrderRepository

    def open(self) -> None:
        self.payments = PaymentRepository(self.session, track=self.track)
        self.cancelled_orders = CancelledOrderRepository(self.session)
