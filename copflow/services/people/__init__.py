"""People and who belongs to which CoP: adding a person or a member (members.py) and the roster's changes —
roles, leaving a CoP or the organisation, and the calendars that follow them (roster.py). Personal data's
retention, erasure and export are privacy/; pseudonyms and the recipient hash are services/pseudonyms.py."""
