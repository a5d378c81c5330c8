"""The network agents ever seen: one row per (agent_type, host).

Rows are made and refreshed from the coordination group the agents heartbeat in
(service/agent.py); whether an agent is alive is never stored: it is the group's
answer at the time of the request. A row stays, the agent dead, until an admin
deletes it.
"""

import datetime

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sovra_common.db import schema
from sovra_network.db.models.base import Base, JSONText


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("agent_type", "host",
                                       name="uq_agents_agent_type_host"),
                      schema.TABLE_OPTIONS)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_type: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    configurations: Mapped[dict] = mapped_column(JSONText, default=dict)
    created_at: Mapped[datetime.datetime] = mapped_column(
        schema.UTCDateTime, default=schema.utcnow)
    started_at: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
    #: the last time the API saw it alive (refreshed at most every SEEN_REFRESH s)
    heartbeat_timestamp: Mapped[datetime.datetime] = mapped_column(schema.UTCDateTime)
