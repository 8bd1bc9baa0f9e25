"""What the web's pages show: the lead's pages (lead_pages.py), the review decision page (decision_page.py), the
action plan page (action_pages.py) and the public hub and calendar feeds (hub.py). They read and write through
the services and return plain values for the templates; nothing below copflow.web imports them."""
