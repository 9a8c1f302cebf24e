"""indexes for the service dashboard: open tickets by status, tickets of a
building by date, surveys by when they were sent, passed-on questions by date,
waiting handoffs

Revision ID: 0007
Revises: 0006
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_tickets_status', 'tickets', ['status']),
    ('ix_tickets_building_created_at', 'tickets', ['building', 'created_at']),
    ('ix_surveys_sent_at', 'surveys', ['sent_at']),
    ('ix_unanswered_questions_created_at', 'unanswered_questions', ['created_at']),
    ('ix_handoffs_status', 'handoffs', ['status']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
