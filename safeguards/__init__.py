"""Qt-free wellness engine: exposure policy, ledger, break scheduler and the gate."""
