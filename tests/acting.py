"""Who the tests act as when they change a roster (lifecycle.grants): the OD manager, as the CLI does."""

from lifecycle.grants import Acting, Actor

OD = Acting(Actor.OD_MANAGER, "od.manager@uni.example.org")
LEAD = Acting(Actor.LEAD_BY_LINK, "lead@uni.example.org")
