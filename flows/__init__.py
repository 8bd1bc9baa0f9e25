"""Prefect flows: thin entrypoints named in prefect.yaml. Never name a module here after a package
(notifications, email, calendar, ...): Prefect puts this folder first on the import path."""
