"""`copflow web`: pages by signed link, the hub and the calendar feeds (Starlette); see docs/web.md."""
