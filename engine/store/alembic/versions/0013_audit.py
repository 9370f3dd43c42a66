"""audit: signed checkpoints of the audit chain's head; server-side sign-in sessions; claimed identities of
public filings, and customer ids no longer derived from phone numbers; API token scopes (full, read, metrics)

Customers filed from the public site used to be keyed ``tel:<mobile number>``. Each gets a random
``web-<16 hex>`` id instead, and the id is replaced in the stored workflow state of its cases (the intake data
carries it); the audit log keeps what it recorded, as it must.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:40:00
"""

import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("n", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("n", name="pk_audit_checkpoints"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"], unique=False)
    op.create_index("ix_user_sessions_seen_at", "user_sessions", ["seen_at"], unique=False)
    op.create_table(
        "identity_claims",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("customer_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=150), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_customer_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_identity_claims_case_id_cases", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_identity_claims_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_customer_id"],
            ["customers.id"],
            name="fk_identity_claims_confirmed_customer_id_customers",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_identity_claims"),
    )
    op.create_index("ix_identity_claims_case_id", "identity_claims", ["case_id"], unique=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=16), server_default="full", nullable=False))
    _re_id_phone_customers()


def _re_id_phone_customers() -> None:
    """``tel:<number>`` customer ids become random ``web-…`` ones, in the customers and their cases' state."""
    connection = op.get_bind()
    customers = connection.execute(
        sa.text("SELECT id, external_id FROM customers WHERE external_id LIKE 'tel:%'")
    ).all()
    for customer_id, old in customers:
        new = "web-" + secrets.token_hex(8)
        connection.execute(
            sa.text("UPDATE customers SET external_id = :new WHERE id = :id"), {"new": new, "id": customer_id}
        )
        # The id sits in the workflow's data as a JSON string; replace it as one, never as a bare substring.
        quoted_old, quoted_new = json.dumps(old), json.dumps(new)
        cases = connection.execute(
            sa.text("SELECT id, state FROM cases WHERE customer_id = :id"), {"id": customer_id}
        ).all()
        for case_id, state in cases:
            if state and quoted_old in state:
                connection.execute(
                    sa.text("UPDATE cases SET state = :state WHERE id = :id"),
                    {"state": state.replace(quoted_old, quoted_new), "id": case_id},
                )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
    # The random ids stay: the phone numbers they replaced are not kept anywhere to restore them from.
    op.drop_index("ix_identity_claims_case_id", table_name="identity_claims")
    op.drop_table("identity_claims")
    op.drop_index("ix_user_sessions_seen_at", table_name="user_sessions")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("audit_checkpoints")
