"""The SQL of the ledger's append-only triggers, shared by migration 0002 and ``flush``."""

TABLES = ("card_ledgerentry", "card_ledgertransaction")
# added by migration 0005; flush lifts the triggers of all of them
ALL_TABLES = (*TABLES, "card_pointsentry")


def sqlite_trigger(table: str, op: str) -> str:
    return (f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the card ledger is append-only: {op} on {table} "
            "refused'); END")
