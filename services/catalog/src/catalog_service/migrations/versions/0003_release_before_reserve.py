"""A release may come before its reservation: it is kept as a released reservation with no
items and no currency, so ``stock_reservations.currency`` may be empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_reservations") as batch:
        batch.alter_column("currency", existing_type=sa.String(3), nullable=True)


def downgrade() -> None:
    # The early releases go: without them a late reservation would be taken again, which
    # is what the schema before this revision did.
    op.execute("DELETE FROM stock_reservations WHERE currency IS NULL")
    with op.batch_alter_table("stock_reservations") as batch:
        batch.alter_column("currency", existing_type=sa.String(3), nullable=False)
