"""Links sent by mail: signed links and what they open (signed.py), their tokens, made again at send time so no
working link is at rest (tokens.py), and whether a hand-made link fits its purpose (fit.py)."""
