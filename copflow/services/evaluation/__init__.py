"""The review's evaluation and its report: gathered, computed, published, and the decision written onto it."""
