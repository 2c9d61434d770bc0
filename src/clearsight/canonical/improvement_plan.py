"""The improvement plan file a council keeps (one row per action), read by `clearsight plan import` and written
for Eastmere by the generator: its columns, in order, after an optional `id`."""

PLAN_FIELDS = ("theme", "recommendation", "action", "owner", "milestone", "due_date", "kpi", "target")
PLAN_FILE = "improvement_plan.csv"
