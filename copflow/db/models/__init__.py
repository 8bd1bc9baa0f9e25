"""The SQLAlchemy 2 models, by concept: the CoP, its people and its record (cops.py), meetings (meetings.py),
mail (mail.py), what a CoP did (practice.py) and its action plan (action_plan.py). Every model is importable from
here, and importing any of them loads them all, so `Base.metadata` (Alembic's env.py, the migration test,
erasure's walk of every table) always holds every table."""

from copflow.db.models.action_plan import Action, ActionEvent
from copflow.db.models.console import ConsoleSession
from copflow.db.models.cops import (
    SCHEMA_VERSION,
    AppMeta,
    AuditEntry,
    Base,
    Charter,
    Cop,
    ErasureRecord,
    GateEvidence,
    Link,
    Membership,
    Person,
    ServerSecret,
    TransitionRecord,
)
from copflow.db.models.mail import CopChannel, InboundMail, JoinRequest, MailPace, Notification
from copflow.db.models.meetings import MeetingAnswer, MeetingSeries
from copflow.db.models.practice import Activity, Attendance, Document, DocumentFailure, SurveyAnswer

__all__ = [
    "SCHEMA_VERSION",
    "Action",
    "ActionEvent",
    "Activity",
    "AppMeta",
    "Attendance",
    "AuditEntry",
    "Base",
    "Charter",
    "ConsoleSession",
    "Cop",
    "CopChannel",
    "Document",
    "DocumentFailure",
    "ErasureRecord",
    "GateEvidence",
    "InboundMail",
    "JoinRequest",
    "Link",
    "MailPace",
    "MeetingAnswer",
    "MeetingSeries",
    "Membership",
    "Notification",
    "Person",
    "ServerSecret",
    "SurveyAnswer",
    "TransitionRecord",
]
