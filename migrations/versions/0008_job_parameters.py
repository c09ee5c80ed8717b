"""job parameters, subject, worker heartbeat and the interrupted status

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parameters', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column('status', existing_type=sa.String(length=10),
                              type_=sa.String(length=12), existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_job_known_status'), type_='check')
        batch_op.create_check_constraint(
            'known_status', "status IN ('queued', 'running', 'done', 'failed', 'interrupted')")
    op.execute("UPDATE job SET parameters = '{}' WHERE parameters IS NULL")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.alter_column('parameters', existing_type=sa.JSON(), nullable=False)
        batch_op.create_index('ix_job_one_active_per_subject', ['kind', 'subject'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    op.execute("UPDATE job SET status = 'failed' WHERE status = 'interrupted'")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_one_active_per_subject')
        batch_op.drop_constraint(op.f('ck_job_known_status'), type_='check')
        batch_op.create_check_constraint(
            'known_status', "status IN ('queued', 'running', 'done', 'failed')")
        batch_op.alter_column('status', existing_type=sa.String(length=12),
                              type_=sa.String(length=10), existing_nullable=False)
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('started_at')
        batch_op.drop_column('subject')
        batch_op.drop_column('parameters')
