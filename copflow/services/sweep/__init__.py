"""The daily sweep: its steps in order (steps.py), each step as a plain service call (step_calls.py), finding what
is due and queueing its reminders (due_work.py), and making again the documents owed but never sent
(missing_documents.py)."""
