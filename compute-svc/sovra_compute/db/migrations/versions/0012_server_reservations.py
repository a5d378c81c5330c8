"""servers: the reservation a create request made (multi-create) and each server's
index in it

Servers made before this revision have neither: the API shows them as upstream
shows a single create's server (a reservation of their own, index 0).

Revision ID: 0012_server_reservations
Revises: 0011_aggregates
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_server_reservations"
down_revision = "0011_aggregates"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("reservation_id", sa.String(255),
                                         nullable=True))
    op.add_column("instances", sa.Column("launch_index", sa.Integer(), nullable=True))
    op.create_index("ix_instances_reservation_id", "instances", ["reservation_id"])
