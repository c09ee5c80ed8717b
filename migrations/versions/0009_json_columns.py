"""JSON columns for job results and notification parameters (they were JSON held in text)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:40:00.000000

Each value is read, parsed and written to a new JSON column, which then takes the old one's
place: PostgreSQL could cast text to json, but a job result written before results were JSON
(plain text) would stop the cast; such a result becomes {"error": text}, as the job page
already showed it.
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# (table, column, NOT NULL, the value of an empty cell)
COLUMNS = (('job', 'result', False, None), ('notification', 'params', True, {}))


def _parsed(text):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # a job result from before results were JSON
        return {'error': text}


def _move(table, column, nullable, new_type, convert):
    """Copy `column` into a new column of `new_type` through `convert`, then put it in the
    old one's place."""
    staging = f'{column}_new'
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(staging, new_type, nullable=True))
    connection = op.get_bind()
    source = sa.table(table, sa.column('id', sa.Integer), sa.column(column, sa.Text))
    target = sa.table(table, sa.column('id', sa.Integer), sa.column(staging, new_type))
    rows = connection.execute(sa.select(source.c.id, source.c[column])).all()
    for row_id, value in rows:
        connection.execute(sa.update(target).where(target.c.id == row_id)
                           .values({staging: convert(value)}))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(column)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(staging, new_column_name=column, existing_type=new_type,
                              nullable=nullable)


def upgrade():
    for table, column, not_null, empty in COLUMNS:
        _move(table, column, not not_null, sa.JSON(),
              lambda text, empty=empty: empty if text is None else _parsed(text))


def downgrade():
    for table, column, not_null, _empty in COLUMNS:
        # Read as JSON, written back as its text.
        source_type = sa.JSON()
        staging = f'{column}_new'
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(staging, sa.Text(), nullable=True))
        connection = op.get_bind()
        source = sa.table(table, sa.column('id', sa.Integer), sa.column(column, source_type))
        target = sa.table(table, sa.column('id', sa.Integer), sa.column(staging, sa.Text))
        for row_id, value in connection.execute(sa.select(source.c.id, source.c[column])).all():
            text = None if value is None else json.dumps(value, ensure_ascii=False)
            connection.execute(sa.update(target).where(target.c.id == row_id)
                               .values({staging: text}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(staging, new_column_name=column, existing_type=sa.Text(),
                                  nullable=not not_null)
