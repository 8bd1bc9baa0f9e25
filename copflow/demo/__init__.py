"""`copflow demo`: a sample portfolio (data.py) walked through its gates, its review evidence written as the
files staff would have and imported (review_data.py), then a real sweep flow run (walkthrough.py).

The demo sits at the top: it uses the services, the flows and copflow.runs, never the CLI, so the CLI's
`demo` command can call it without an import cycle."""
