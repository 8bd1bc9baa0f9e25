"""Personal data: retention of sent mail, erasure of a person, and subject access (docs/privacy.md).

- `retention.purge_sent_mail`: the daily sweep's purge of sent mail past the policy's retention period;
- `erasure.erase_person`: `copflow person erase`, a stable pseudonym in place of a person everywhere;
- `export.export_person`: `copflow person export`, every record about a person in one zip.
"""
