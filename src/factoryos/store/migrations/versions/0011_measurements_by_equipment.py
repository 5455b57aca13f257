"""measurements indexed by equipment and time: a trace reads each operation's sensor readings, one equipment's
over the operation's minutes, which the primary key (equipment, name, source, seq) served only by reading every
reading the equipment ever sent and sorting them by time

Revision ID: 0011_measurements_by_equipment
Revises: 0010_foreign_key_indexes
"""

from alembic import op

revision = "0011_measurements_by_equipment"
down_revision = "0010_foreign_key_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index("ix_measurements_equipment_ts", ["equipment", "ts_us"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_measurements_equipment_ts")
