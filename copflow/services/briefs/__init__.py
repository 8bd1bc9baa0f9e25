"""The documents sent before a meeting: the check-in agenda and the sponsor brief. What they say (contents.py:
the meeting, the action plan, targets so far) and when each is owed and queued (queue.py). A package of its own
beside meetings/ because a brief reads the action plan (actions/), and actions/ sits above meetings/."""
