"""servers: the availability zone the create asked for, apart from the zone the
server is in (``availability_zone``, which the conductor now records from the
host it scheduled the server to)

Servers made before this revision asked for the zone they record (or none).

Revision ID: 0013_server_requested_zone
Revises: 0012_server_reservations
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_server_requested_zone"
down_revision = "0012_server_reservations"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instances", sa.Column("requested_zone", sa.String(255),
                                         nullable=True))
    instances = sa.table("instances", sa.column("availability_zone", sa.String(255)),
                         sa.column("requested_zone", sa.String(255)))
    op.execute(instances.update().values(
        requested_zone=instances.c.availability_zone))
