"""images, image properties, tags, members and locations

Revision ID: 0001_images
Revises:
"""

import sqlalchemy as sa
from alembic import op

from sovra_common.db import schema

revision = "0001_images"
down_revision = None
branch_labels = None
depends_on = None


def _image_fk(table):
    return sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_image_id_images")


def upgrade():
    op.create_table(
        "images",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("visibility", sa.String(9), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("os_hidden", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("disk_format", sa.String(20), nullable=True),
        sa.Column("container_format", sa.String(20), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("virtual_size", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(32), nullable=True),
        sa.Column("os_hash_algo", sa.String(64), nullable=True),
        sa.Column("os_hash_value", sa.String(128), nullable=True),
        sa.Column("min_disk", sa.Integer(), nullable=False),
        sa.Column("min_ram", sa.Integer(), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
        **schema.TABLE_OPTIONS,
    )
    for column in ("name", "status", "visibility", "owner", "checksum", "os_hash_value",
                   "created_at", "updated_at", "deleted"):
        op.create_index(f"ix_images_{column}", "images", [column])

    op.create_table(
        "image_properties",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _image_fk("image_properties"),
        sa.PrimaryKeyConstraint("image_id", "name", name="pk_image_properties"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "image_tags",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        _image_fk("image_tags"),
        sa.PrimaryKeyConstraint("image_id", "value", name="pk_image_tags"),
        **schema.TABLE_OPTIONS,
    )
    op.create_table(
        "image_members",
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("member_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        sa.Column("updated_at", schema.UTCDateTime(), nullable=False),
        _image_fk("image_members"),
        sa.PrimaryKeyConstraint("image_id", "member_id", name="pk_image_members"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_image_members_member_id", "image_members", ["member_id"])
    op.create_table(
        "image_locations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("store", sa.String(255), nullable=False),
        sa.Column("url", sa.String(1024), nullable=False),
        sa.Column("created_at", schema.UTCDateTime(), nullable=False),
        _image_fk("image_locations"),
        sa.PrimaryKeyConstraint("id", name="pk_image_locations"),
        **schema.TABLE_OPTIONS,
    )
    op.create_index("ix_image_locations_image_id", "image_locations", ["image_id"])
