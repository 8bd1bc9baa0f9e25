"""Mail: the outbox every message is queued in (outbox.py) and what an operator does with it (outbox_admin.py),
delivery of claimed batches (delivery.py) under claims and leases (claims.py) at the relay's pace (pacing.py),
and the OD manager's daily digest (digest.py). Nothing here imports meetings/, actions/ or briefs/: they queue
mail, mail knows nothing of them."""
