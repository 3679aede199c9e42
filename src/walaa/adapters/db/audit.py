"""`walaa audit`: prove the books of every store, with set-based SQL.

Each check is one query that returns the rows that break a rule (and nothing when the books
are right), so it costs a few scans however large the ledger grows, and a breach names the
transaction, customer or lot to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

_BALANCE_SUMS = """
    SELECT customer_id,
           SUM(CASE WHEN account = 'available' THEN amount ELSE 0 END) AS available,
           SUM(CASE WHEN account = 'pending' THEN amount ELSE 0 END) AS pending,
           SUM(CASE WHEN account = 'held' THEN amount ELSE 0 END) AS held
    FROM postings WHERE store_id = :store AND customer_id IS NOT NULL
    GROUP BY customer_id
"""

_LOT_SUMS = """
    SELECT customer_id,
           SUM(CASE WHEN pending THEN 0 ELSE remaining END) AS matured,
           SUM(CASE WHEN pending THEN remaining ELSE 0 END) AS waiting
    FROM lots WHERE store_id = :store GROUP BY customer_id
"""

#: (name, what it promises, query returning (subject, detail) for each breach)
CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "transactions balance",
        "every transaction's postings sum to zero",
        """SELECT transaction_id, SUM(amount) FROM postings WHERE store_id = :store
           GROUP BY transaction_id HAVING SUM(amount) <> 0""",
    ),
    (
        "transactions have postings",
        "every transaction posted something",
        """SELECT x.id, x.kind FROM ledger_transactions x
           WHERE x.store_id = :store AND NOT EXISTS (
               SELECT 1 FROM postings p
               WHERE p.store_id = x.store_id AND p.transaction_id = x.id)""",
    ),
    (
        "cached balances",
        "each customer's cached balances equal the sum of their postings",
        f"""SELECT c.id, 'cached ' || c.available || '/' || c.pending || '/' || c.held
                   || ' posted ' || COALESCE(s.available, 0) || '/' || COALESCE(s.pending, 0)
                   || '/' || COALESCE(s.held, 0)
            FROM customers c LEFT JOIN ({_BALANCE_SUMS}) s ON s.customer_id = c.id
            WHERE c.store_id = :store AND (c.available <> COALESCE(s.available, 0)
               OR c.pending <> COALESCE(s.pending, 0) OR c.held <> COALESCE(s.held, 0))""",
    ),
    (
        "lot remainders",
        "each lot's remaining equals its amount plus its movements",
        """SELECT l.id,
                  'remaining ' || l.remaining || ' moved ' || (l.amount + COALESCE(m.moved, 0))
           FROM lots l LEFT JOIN (SELECT lot_id, SUM(delta) AS moved FROM lot_movements
                                  WHERE store_id = :store GROUP BY lot_id) m ON m.lot_id = l.id
           WHERE l.store_id = :store AND l.remaining <> l.amount + COALESCE(m.moved, 0)""",
    ),
    (
        "lots cover balances",
        "spendable lots add up to the available balance, pending lots to the pending one",
        f"""SELECT c.id, 'available ' || c.available || ' lots ' || COALESCE(l.matured, 0)
                   || ', pending ' || c.pending || ' lots ' || COALESCE(l.waiting, 0)
            FROM customers c LEFT JOIN ({_LOT_SUMS}) l ON l.customer_id = c.id
            WHERE c.store_id = :store AND (
                COALESCE(l.waiting, 0) <> c.pending
                OR COALESCE(l.matured, 0)
                   <> CASE WHEN c.available > 0 THEN c.available ELSE 0 END)""",
    ),
    (
        "holds match held",
        "each customer's held balance equals their open holds",
        """SELECT c.id, 'held ' || c.held || ' open holds ' || COALESCE(h.total, 0)
           FROM customers c LEFT JOIN (SELECT customer_id, SUM(amount) AS total FROM holds
                WHERE store_id = :store AND status = 'open' GROUP BY customer_id) h
                ON h.customer_id = c.id
           WHERE c.store_id = :store AND c.held <> COALESCE(h.total, 0)""",
    ),
    (
        "store accounts never negative",
        "redeemed, expired, reversed and forfeited points are never taken back below zero",
        """SELECT account, SUM(amount) FROM postings
           WHERE store_id = :store AND customer_id IS NULL
             AND account IN ('redeemed', 'expired', 'reversed', 'forfeited')
           GROUP BY account HAVING SUM(amount) < 0""",
    ),
    (
        "debts are recorded",
        "an available balance below zero is covered by reversals that took spent points",
        """SELECT c.id, 'available ' || c.available || ' reversed ' || COALESCE(r.taken, 0)
           FROM customers c LEFT JOIN (
               SELECT p.customer_id, -SUM(p.amount) AS taken FROM postings p
               JOIN ledger_transactions x ON x.store_id = p.store_id AND x.id = p.transaction_id
               WHERE p.store_id = :store AND x.kind = 'reversal' AND p.account = 'available'
                 AND p.amount < 0
               GROUP BY p.customer_id) r ON r.customer_id = c.id
           WHERE c.store_id = :store AND c.available < 0
             AND -c.available > COALESCE(r.taken, 0)""",
    ),
    (
        "code uses add up",
        "a code's uses pay at most its redemption's points, and get back at most what they paid",
        """SELECT d.id, 'points ' || d.points || ' paid by uses ' || SUM(u.points)
                   || ' given back ' || SUM(u.points_returned)
           FROM redemptions d JOIN code_uses u ON u.store_id = d.store_id AND u.code = d.code
           WHERE d.store_id = :store
           GROUP BY d.id, d.points
           HAVING SUM(u.points) > d.points
               OR SUM(CASE WHEN u.points_returned > u.points THEN 1 ELSE 0 END) > 0""",
    ),
    (
        "tier counters add up",
        "each customer's monthly tier counters add up to their tier history",
        """SELECT d.customer_id, 'counters less history: spend_e4 ' || SUM(d.spend_e4)
                   || ', points ' || SUM(d.points) || ', orders ' || SUM(d.orders)
           FROM (SELECT customer_id, spend_e4, points, orders FROM tier_counters
                 WHERE store_id = :store
                 UNION ALL
                 SELECT customer_id, -spend_e4, -points, -orders FROM tier_history
                 WHERE store_id = :store) d
           GROUP BY d.customer_id
           HAVING SUM(d.spend_e4) <> 0 OR SUM(d.points) <> 0 OR SUM(d.orders) <> 0""",
    ),
)


@dataclass
class CheckResult:
    name: str
    promise: str
    breaches: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaches


@dataclass
class StoreAudit:
    store_id: str
    checks: list[CheckResult]
    totals: dict[str, int]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def account_totals(conn: Connection, store_id: str) -> dict[str, int]:
    """Every account's balance in the store: customers' summed, the store's own as they are."""
    rows = conn.execute(
        text(
            "SELECT account, SUM(amount) FROM postings WHERE store_id = :store "
            "GROUP BY account ORDER BY account"
        ),
        {"store": store_id},
    ).all()
    return {account: int(total) for account, total in rows}


def audit_store(conn: Connection, store_id: str, *, examples: int = 5) -> StoreAudit:
    results = []
    for name, promise, sql in CHECKS:
        rows = conn.execute(text(sql), {"store": store_id}).fetchmany(examples)
        results.append(CheckResult(name, promise, [(str(a), str(b)) for a, b in rows]))
    return StoreAudit(store_id, results, account_totals(conn, store_id))
