"""terms, mentions, definitions, segments, qa, decisions

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text_hash', sa.String(length=40), nullable=False),
    sa.Column('dict_hash', sa.String(length=40), nullable=False),
    sa.Column('tokens', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('text_hash')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('n_mentions', sa.Integer(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('english', sa.String(length=256), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('related', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('extracted_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['merged_into_id'], ['terms.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terms_status'), ['status'], unique=False)

    op.create_table('aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aliases_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_aliases_term_id'), ['term_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('term', sa.String(length=128), nullable=False),
    sa.Column('curator', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('undoes_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['undoes_id'], ['decisions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_term_id'), ['term_id'], unique=False)

    op.create_table('definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('pattern', sa.String(length=128), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definitions_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_definitions_term_id'), ['term_id'], unique=False)

    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('surface', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_term_id'), ['term_id'], unique=False)

    op.create_table('qa_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id')
    )
    op.create_table('qa_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pair_id'], ['qa_pairs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('qa_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_answers_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_answers_pair_id'), ['pair_id'], unique=False)

    op.create_table('qa_terms',
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['qa_pairs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pair_id', 'term_id')
    )
    with op.batch_alter_table('qa_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_terms_term_id'), ['term_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('qa_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_terms_term_id'))

    op.drop_table('qa_terms')
    with op.batch_alter_table('qa_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_answers_pair_id'))
        batch_op.drop_index(batch_op.f('ix_qa_answers_message_id'))

    op.drop_table('qa_answers')
    op.drop_table('qa_pairs')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_term_id'))
        batch_op.drop_index(batch_op.f('ix_mentions_message_id'))

    op.drop_table('mentions')
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definitions_term_id'))
        batch_op.drop_index(batch_op.f('ix_definitions_message_id'))

    op.drop_table('definitions')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_term_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aliases_term_id'))
        batch_op.drop_index(batch_op.f('ix_aliases_key'))

    op.drop_table('aliases')
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_status'))

    op.drop_table('terms')
    op.drop_table('settings')
    op.drop_table('segments')
