"""The demo's sample portfolio: CoPs named in the domain documents, staff from several departments.

Each CoP's story is a list of (days before today, action) steps, so the demo stays realistic on any day.
"""

from __future__ import annotations

from typing import Any

# (slug, name, roster of (role, person), story of (days before today, action, its values))
CopStory = tuple[str, str, list[tuple[str, str]], list[tuple[int, str, dict[str, Any]]]]

DOMAIN = "uni.example.org"

PEOPLE = [
    # email local part, name, department, line manager local part
    ("amira.khan", "Amira Khan", "Planning and Insight", "dir.planning"),
    ("ben.okafor", "Ben Okafor", "Faculty of Engineering", "dean.engineering"),
    ("chloe.martin", "Chloé Martin", "Library Services", "dir.library"),
    ("dev.patel", "Dev Patel", "Information Services", "dir.isd"),
    ("eve.nowak", "Eve Nowak", "Student Experience", "dir.students"),
    ("femi.adeyemi", "Femi Adeyemi", "Estates", "dir.estates"),
    ("grace.lee", "Grace Lee", "Communications and Marketing", "dir.comms"),
    ("hugo.silva", "Hugo Silva", "Human Resources", "dir.hr"),
    ("isla.murray", "Isla Murray", "Research Services", "dir.research"),
    ("jon.weber", "Jon Weber", "Finance", "dir.finance"),
    ("dir.planning", "Priya Raman", "Planning and Insight", None),
    ("dir.comms", "Tom Hartley", "Communications and Marketing", None),
    ("dir.research", "Nadia Haddad", "Research Services", None),
    ("dir.hr", "Owen Price", "Human Resources", None),
    ("dir.isd", "Sara Lindqvist", "Information Services", None),
    ("od.manager", "Maya Fischer", "Organisational Development", None),
]

CHARTER = {
    "purpose": "Share practice and build capability across departments",
    "aims": ["Run regular lunch and learns", "Build a shared resource library"],
    "annual_targets": ["1 seminar", "2 blog posts", "1 newsletter article", "1 project"],
    "link": "https://sharepoint.uni.example.org/cop/charter",
    "version": "1.0",
}

# slug, name, [(role, person)], story; story steps: (days_ago, action, fields)
# Where each CoP meets: a room, or an online meeting link (which is also the invitation's join URL).
PLACES = {
    "data-insight": "Room 2.14, Bloomsbury Building",
    "events-management": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_events%40thread.v2/0",
    "research-it": "Seminar Room 1, Research Hub",
    "hr-recruitment": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_hr%40thread.v2/0",
    "digital-communications": "Room G.05, Marketing Suite",
    "facilities-management": "Estates Office, Meeting Room B",
}

COPS: list[CopStory] = [
    ("data-insight", "Data and Insight",
     [("coordinator", "amira.khan"), ("lead", "ben.okafor"), ("core", "chloe.martin"), ("core", "dev.patel"),
      ("sponsor", "dir.planning"), ("od_manager_contact", "od.manager")],
     [(450, "propose", {}),
      (420, "gate:core_group_formed", {"domain": "Data, reporting and insight for decisions", "formed_on": 421}),
      (420, "advance", {}),
      (395, "gate:sponsor_meeting_done", {"held_on": 396, "sponsor_attended": "yes",
                                         "notes": "Aligned with the data strategy; quarterly touchpoints"}),
      (360, "gate:charter_published", {**CHARTER, "published_on": 361, "review_dates": [-7]}),
      (360, "advance", {}),
      (330, "gate:launch_held", {"held_on": 331, "attendance": 84, "feedback": "Strong appetite for dashboards"}),
      (330, "advance", {}),
      (200, "leave", {"who": "chloe.martin"})]),  # moved to another university: off the check-ins
    ("events-management", "Events Management",
     [("coordinator", "eve.nowak"), ("lead", "femi.adeyemi"), ("core", "grace.lee"), ("sponsor", "dir.comms"),
      ("od_manager_contact", "od.manager")],
     [(500, "propose", {}),
      (470, "gate:core_group_formed", {"domain": "Planning and running university events", "formed_on": 471}),
      (470, "advance", {}),
      (450, "gate:sponsor_meeting_done", {"held_on": 451, "sponsor_attended": "yes",
                                         "notes": "Sponsor to open the launch"}),
      (420, "gate:charter_published", {**CHARTER, "published_on": 421, "review_cadence_months": 12}),
      (420, "advance", {}),
      (390, "gate:launch_held", {"held_on": 391, "attendance": 56, "feedback": "Members want a venue guide"}),
      (390, "advance", {}),
      (26, "import_people", {}),  # its wider members, from the staff extract, before the review opens
      (25, "sweep", {})]),  # its yearly review opened 25 days ago: the survey has closed, today it is evaluated
    ("research-it", "Research IT",
     [("coordinator", "dev.patel"), ("lead", "isla.murray"), ("sponsor", "dir.research"),
      ("od_manager_contact", "od.manager")],
     [(130, "propose", {}),
      (110, "gate:core_group_formed", {"domain": "Computing and data services for research", "formed_on": 111}),
      (110, "advance", {})]),
    ("hr-recruitment", "HR Recruitment",
     [("coordinator", "hugo.silva"), ("lead", "jon.weber"), ("core", "grace.lee"), ("sponsor", "dir.hr"),
      ("od_manager_contact", "od.manager")],
     [(160, "propose", {}),
      (140, "gate:core_group_formed", {"domain": "Recruiting and onboarding staff well", "formed_on": 141}),
      (140, "advance", {}),
      (110, "gate:sponsor_meeting_done", {"held_on": 111, "sponsor_attended": "yes",
                                         "notes": "Sponsor asked for a focus on inclusive hiring"}),
      (53, "gate:charter_published", {**CHARTER, "published_on": 54, "review_cadence_months": 12}),
      (53, "advance", {})]),
    ("digital-communications", "Digital Communications",
     [("coordinator", "grace.lee"), ("core", "chloe.martin")],
     [(20, "propose", {})]),
    ("facilities-management", "Facilities Management",
     [("coordinator", "femi.adeyemi"), ("lead", "chloe.martin"), ("core", "jon.weber"), ("sponsor", "dir.isd"),
      ("od_manager_contact", "od.manager")],
     [(600, "propose", {}),
      (580, "gate:core_group_formed", {"domain": "Running buildings and campus services", "formed_on": 581}),
      (580, "advance", {}),
      (560, "gate:sponsor_meeting_done", {"held_on": 561, "sponsor_attended": "yes",
                                         "notes": "Sponsor keen on shared supplier knowledge"}),
      (540, "gate:charter_published", {**CHARTER, "published_on": 541, "review_dates": [120]}),
      (540, "advance", {}),
      (510, "gate:launch_held", {"held_on": 511, "attendance": 38, "feedback": "Useful, but overlaps Estates"}),
      (510, "advance", {}),
      (120, "sweep", {}),
      (100, "decide", {"decision": "close", "reason": "Its aims are met and Estates now runs the forum",
                       "closing_date": 65})]),
]
