from walaa.adapters.db.audit import audit_store
from walaa.service.commands import Earn, Spend
from walaa.service.handlers import ledger as h


def test_earn_then_spend_balances(app, clock, store):
    r = h.earn(app.uow(), clock, Earn(store.id, "c1", "k1", 100))
    h.spend(app.uow(), clock, Spend(store.id, "c1", "k2", 30))
    again = h.earn(app.uow(), clock, Earn(store.id, "c1", "k1", 100))
    assert again.replayed and again.transaction_id == r.transaction_id
    with app.engine.connect() as conn:
        report = audit_store(conn, store.id)
    assert report.ok, report
    assert report.totals["available"] == 70
