"""sovra_common.db.schema: UTC datetimes and constraint names."""

import datetime

import sqlalchemy as sa

from example_svc.db.models import Base, Widget
from sovra_common.db import schema

PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


def test_utc_datetime_round_trip(example_db):
    local = datetime.datetime(2026, 5, 1, 14, 30, 15, 123456, tzinfo=PLUS_TWO)
    naive = datetime.datetime(2026, 5, 1, 9, 0, 0)
    with example_db.writer() as session:
        session.add(Widget(id="a", project_id="p", name="a", created_at=local))
        session.add(Widget(id="b", project_id="p", name="b", created_at=naive))
    with example_db.reader() as session:
        a, b = session.get(Widget, "a").created_at, session.get(Widget, "b").created_at
        stored = session.execute(sa.text("SELECT created_at FROM widgets WHERE id = 'a'"))
        assert stored.scalar().startswith("2026-05-01 12:30:15.123456")
    assert a == local and a.tzinfo is datetime.UTC and a.hour == 12
    assert b == naive.replace(tzinfo=datetime.UTC)


def test_default_created_at_is_now_in_utc(example_db):
    before = schema.utcnow()
    with example_db.writer() as session:
        session.add(Widget(id="a", project_id="p", name="a"))
    with example_db.reader() as session:
        created = session.get(Widget, "a").created_at
    assert before <= created <= schema.utcnow()


def test_constraints_get_conventional_names():
    widgets = Base.metadata.tables["widgets"]
    names = {c.name for c in widgets.constraints} | {i.name for i in widgets.indexes}
    assert names == {"pk_widgets", "uq_widgets_project_id_name", "ix_widgets_project_id"}
    fks = {c.name for c in Base.metadata.tables["widget_tags"].foreign_key_constraints}
    assert fks == {"fk_widget_tags_widget_id_widgets"}


def test_mysql_column_type_keeps_microseconds():
    from sqlalchemy.dialects import mysql
    column = sa.Column("t", schema.UTCDateTime())
    assert str(sa.schema.CreateColumn(column).compile(dialect=mysql.dialect())) == \
        "t DATETIME(6)"
