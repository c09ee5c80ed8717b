"""second model: buyers' need vectors, and a data version for the second model's vectors

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buyer_embedding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs', sa.LargeBinary(), nullable=True))
    tokens = sa.table("data_version", sa.column("kind", sa.String),
                      sa.column("version", sa.String))
    op.bulk_insert(tokens, [{"kind": "second", "version": "initial"}])


def downgrade():
    op.execute("DELETE FROM data_version WHERE kind = 'second'")
    with op.batch_alter_table('buyer_embedding', schema=None) as batch_op:
        batch_op.drop_column('needs')
