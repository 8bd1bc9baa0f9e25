"""Deciding a review and evolving a CoP after it (renew, split, merge), through the one transition path."""
