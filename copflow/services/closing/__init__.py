"""The end of a CoP's life: the closing notice (notice.py), the lessons-learned draft (lessons.py) and what the
archive holds (contents.py). Archiving itself goes through the gate path (services/archiving.py; the zip:
notifications/archive.py)."""
