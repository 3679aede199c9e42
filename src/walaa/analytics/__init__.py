"""The read side: figures about a store computed from its ledger and orders, never written."""
