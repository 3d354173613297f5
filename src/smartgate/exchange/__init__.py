"""Exchange: the signed link between the two sides' instances (outbox, inbox, peers)."""
