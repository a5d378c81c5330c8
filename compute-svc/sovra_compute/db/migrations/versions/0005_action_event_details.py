"""instance action events: the fault message of a failed event (2.84)

Revision ID: 0005_action_event_details
Revises: 0004_server_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_action_event_details"
down_revision = "0004_server_groups"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("instance_action_events", sa.Column("details", sa.Text(),
                                                      nullable=True))
