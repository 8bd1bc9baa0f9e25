"""Meetings: a CoP's series and the rules they repeat by (series.py, recurrence.py), the invitations and
cancellations sent as iCalendar (invitations.py), a lead's changes to one occurrence or a whole series
(changes.py), the CoP's meeting day and holiday region (settings.py), and keeping a day clear of meetings
(clashes.py). Which days people work on is the organisation's calendar (services/workdays.py)."""
