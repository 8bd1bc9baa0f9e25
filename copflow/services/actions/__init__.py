"""A CoP's action plan: adding, editing and completing actions and reading the plan back (plan.py, checks.py),
the working days an action may fall due on (due_days.py), and the reminders of actions coming due or overdue
(reminders.py). The rules (statuses, who may change what) are the core's: lifecycle/action_rules.py."""
