"""live commerce

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('host_user_id', sa.Integer(), nullable=True),
    sa.Column('host_name', sa.String(length=100), nullable=False),
    sa.Column('stream_url', sa.String(length=500), nullable=False),
    sa.Column('pinned_listing_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_live_session_ends_after_start')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_live_session_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_live_session_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_user_id'], ['user.id'], name=op.f('fk_live_session_host_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pinned_listing_id'], ['market_listing.id'], name=op.f('fk_live_session_pinned_listing_id_market_listing'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session'))
    )
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_session_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_session_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_session_host_user_id'), ['host_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('live_featured',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['market_listing.id'], name=op.f('fk_live_featured_listing_id_market_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_featured_session_id_live_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'listing_id', name=op.f('pk_live_featured'))
    )
    with op.batch_alter_table('live_featured', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_featured_listing_id'), ['listing_id'], unique=False)

    op.create_table('live_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind != 'answer' OR reply_to_id IS NOT NULL", name=op.f('ck_live_message_answer_has_question')),
    sa.CheckConstraint("kind IN ('question', 'answer', 'note')", name=op.f('ck_live_message_known_kind')),
    sa.ForeignKeyConstraint(['reply_to_id'], ['live_message.id'], name=op.f('fk_live_message_reply_to_id_live_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_message_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_live_message_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_message'))
    )
    with op.batch_alter_table('live_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_message_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_live_message_user_id_created_at', ['user_id', 'created_at'], unique=False)

    op.create_table('live_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('message', 'hide', 'unhide', 'pin', 'unpin', 'listing', 'mute', 'unmute')", name=op.f('ck_live_event_known_kind')),
    sa.ForeignKeyConstraint(['listing_id'], ['market_listing.id'], name=op.f('fk_live_event_listing_id_market_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['live_message.id'], name=op.f('fk_live_event_message_id_live_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_event_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_live_event_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_event'))
    )
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_event_session_id'), ['session_id'], unique=False)

    op.create_table('live_mute',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['muted_by_id'], ['user.id'], name=op.f('fk_live_mute_muted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_mute_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_live_mute_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_live_mute'))
    )

    op.create_table('live_viewer',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('viewer_key', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_live_viewer_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_live_viewer_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('session_id', 'viewer_key', name=op.f('pk_live_viewer'))
    )


def downgrade():
    op.drop_table('live_viewer')
    op.drop_table('live_mute')
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_event_session_id'))

    op.drop_table('live_event')
    with op.batch_alter_table('live_message', schema=None) as batch_op:
        batch_op.drop_index('ix_live_message_user_id_created_at')
        batch_op.drop_index(batch_op.f('ix_live_message_session_id'))

    op.drop_table('live_message')
    with op.batch_alter_table('live_featured', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_featured_listing_id'))

    op.drop_table('live_featured')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_live_session_host_user_id'))
        batch_op.drop_index(batch_op.f('ix_live_session_event_id'))
        batch_op.drop_index(batch_op.f('ix_live_session_company_id'))

    op.drop_table('live_session')
