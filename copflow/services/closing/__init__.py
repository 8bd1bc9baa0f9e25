"""The end of a CoP's life, in the order it happens: entering closing (enter.py: meetings cancelled, notice,
lessons-learned draft), the lessons learned (lessons.py), what the archive holds (contents.py), and writing,
verifying and recording the archive on the closing date (archive.py; the zip itself: notifications/archive.py)."""
